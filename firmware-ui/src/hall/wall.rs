//! The projected screen's page (écran de salle), written from the lead kiosk's [`Wall`]: large
//! type for the back of the hall, in French (the hall's language), with each released result
//! drawn by urne-papers' charts, the registry's. It refreshes itself every few seconds with a
//! `<meta>` tag: no JavaScript, so that any television's browser shows it.

use std::fmt::Write as _;

use urne_core::chart::ResultChart;
use urne_core::figures::number;
use urne_core::tally::{Decision, Lang};
use urne_papers::html::{CHART_STYLE, charts, escape};

use crate::kiosk::hall::wall::{Wall, WallState};

/// How often the browser asks for the page again, in seconds.
pub const REFRESH_SECS: u32 = 5;

/// Sized on the screen's width, so that a 1080p projector and a small television show the
/// same page; the colours are the kiosk's theme.
const STYLE: &str = "\
:root{--ink:#1c2230;--muted:#545d6e;--line:#c9c2b1;--soft:#e9e4d8;--paper:#f4f1ea;\
--primary:#1f4e9c;--for:#2e7d4f;--against:#b3261e}
*{box-sizing:border-box}
html{font-size:clamp(16px,1.6vw,48px)}
body{margin:0;background:var(--paper);color:var(--ink);\
font:1rem/1.35 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Noto Sans\",sans-serif}
header{background:var(--primary);color:#fff;padding:.6rem 2rem}
h1{font-size:1.9rem;line-height:1.15;margin:0}
header p{margin:.2rem 0 0;font-size:1.1rem;opacity:.9}
main{padding:1rem 2rem 2rem}
.figures{display:flex;flex-wrap:wrap;gap:1rem 3rem;margin:0 0 1rem;padding:0}
.figures div{display:flex;flex-direction:column}
.figures dt{font-size:1.1rem;color:var(--muted)}
.figures dd{margin:0;font-size:3.2rem;font-weight:800;line-height:1.1}
.reached{color:var(--for)}
.short{color:var(--against)}
section{background:#fff;border:2px solid var(--line);border-radius:.6rem;padding:.8rem 1.2rem;margin:1rem 0}
section.open{border-color:var(--for)}
h2{font-size:1.6rem;line-height:1.2;margin:0 0 .3rem}
.state{font-size:1.3rem;margin:.2rem 0;color:var(--muted)}
.open .state{color:var(--for);font-weight:700}
.decision{font-size:1.5rem;font-weight:800;margin:.4rem 0}
.decision.adopted{color:var(--for)}
.decision.rejected{color:var(--against)}
.result figure{zoom:2}
.later{font-size:1.1rem;color:var(--muted)}
@media (min-aspect-ratio:4/3){.board{display:grid;grid-template-columns:minmax(0,2fr) minmax(0,3fr);gap:0 2rem}\
.board section:first-child{margin-top:0}}
";

/// The whole page.
pub fn page(wall: &Wall) -> String {
    let mut body = String::new();
    figures(&mut body, wall);
    // What the hall waits for first: the votes under way, then the results, then the rest.
    let mut later = Vec::new();
    let (mut open, mut results, mut closed) = (String::new(), String::new(), String::new());
    for poll in &wall.polls {
        let question = escape(&poll.question);
        match &poll.state {
            WallState::Pending => later.push(question),
            WallState::Open { ballots } => {
                let _ = writeln!(
                    open,
                    "<section class=\"open\"><h2>{question}</h2>\
                     <p class=\"state\">Vote en cours · {}</p></section>",
                    ballots_line(*ballots)
                );
            }
            WallState::AwaitingCount => {
                let _ = writeln!(
                    closed,
                    "<section><h2>{question}</h2>\
                     <p class=\"state\">Clos · dépouillement en cours</p></section>"
                );
            }
            WallState::Closed => {
                let _ = writeln!(
                    closed,
                    "<section><h2>{question}</h2>\
                     <p class=\"state\">Clos · résultat bientôt annoncé</p></section>"
                );
            }
            WallState::Released(chart) => result(&mut results, &question, chart),
        }
    }
    // On a wide screen, the votes and the rest on the left and the results on the right, so
    // that a projector shows all of it without scrolling.
    let _ = write!(
        body,
        "<div class=\"board\">\n<div class=\"column\">\n{open}{closed}"
    );
    later_line(&mut body, &later);
    let _ = write!(
        body,
        "</div>\n<div class=\"column\">\n{results}</div>\n</div>\n"
    );
    format!(
        "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"refresh\" content=\"{REFRESH_SECS}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — écran de salle</title>\n<style>\n{STYLE}{CHART_STYLE}</style>\n\
         </head>\n<body>\n<header><h1>{title}</h1><p>{place}</p></header>\n<main>\n{body}\
         </main>\n</body>\n</html>\n",
        title = escape(&wall.title),
        place = escape(&wall.place),
    )
}

/// « À venir : … », the polls not opened yet.
fn later_line(body: &mut String, later: &[String]) {
    if !later.is_empty() {
        let _ = writeln!(
            body,
            "<p class=\"later\">À venir : {}</p>",
            later.join(" · ")
        );
    }
}

/// Present, represented, and the quorum with whether it is reached now.
fn figures(body: &mut String, wall: &Wall) {
    let counted = wall.attendance.present + wall.attendance.represented;
    body.push_str("<dl class=\"figures\">\n");
    let mut figure = |label: &str, value: String, class: &str| {
        let _ = writeln!(body, "<div><dt>{label}</dt><dd{class}>{value}</dd></div>");
    };
    figure("présents", number(wall.attendance.present, Lang::Fr), "");
    figure(
        "représentés",
        number(wall.attendance.represented, Lang::Fr),
        "",
    );
    figure("membres", number(wall.members, Lang::Fr), "");
    if let Some(required) = wall.quorum_required {
        let (class, word) = if counted >= required {
            (" class=\"reached\"", "atteint")
        } else {
            (" class=\"short\"", "non atteint")
        };
        figure(
            &format!("quorum ({word})"),
            number(required, Lang::Fr),
            class,
        );
    }
    body.push_str("</dl>\n");
}

/// « 1 bulletin », « 42 bulletins ».
fn ballots_line(ballots: u64) -> String {
    let noun = if ballots > 1 { "bulletins" } else { "bulletin" };
    format!("{} {noun}", number(ballots, Lang::Fr))
}

/// A released result: its decision and its chart.
fn result(body: &mut String, question: &str, chart: &ResultChart) {
    let class = match chart.decision {
        Decision::Adopted => "adopted",
        Decision::Rejected | Decision::QuorumNotReached => "rejected",
        Decision::NoVotes | Decision::Decided | Decision::Tie => "decided",
    };
    let _ = writeln!(body, "<section class=\"result\"><h2>{question}</h2>");
    let _ = writeln!(
        body,
        "<p class=\"state\">Clos · {}</p>",
        ballots_line(chart.ballots)
    );
    if let Some(verdict) = chart.verdict() {
        let _ = writeln!(
            body,
            "<p class=\"decision {class}\">{}</p>",
            escape(&verdict.text(Lang::Fr))
        );
    }
    body.push_str(&charts::chart(chart));
    body.push_str("</section>\n");
}
