//! The audit chain is checked at every start: an edited database is reported on the
//! organiser's dashboard, and the kiosk keeps working.

use std::time::Duration;

use slint::ComponentHandle;
use urne_core::credential::Role;
use urne_kiosk::generated::{OrganiserAdapter, Page};
use urne_kiosk::kiosk::Kiosk;
use urne_kiosk::ui_testing::Harness;
use urne_kiosk::ui_testing::demo::Fixture;
use urne_kiosk::view::ViewOptions;

fn open(dir: &std::path::Path) -> Kiosk {
    Fixture::new(dir).seed(3).build()
}

#[test]
fn an_edited_audit_chain_is_reported_on_the_dashboard() {
    let dir = tempfile::tempdir().unwrap();
    let badges = urne_papers::badges::issue_all(
        &urne_kiosk::demo::package().package,
        &urne_kiosk::demo::organiser_key(),
    );
    {
        let mut kiosk = open(dir.path());
        kiosk.set_pin("123456").unwrap();
        kiosk
            .load_package(&urne_kiosk::demo::package().bytes)
            .unwrap();
        for badge in badges
            .iter()
            .filter(|b| b.role == Role::Participant)
            .take(3)
        {
            kiosk.scan(&badge.payload).unwrap();
        }
        assert_eq!(kiosk.dashboard().unwrap().audit_problem, None);
    }
    // Someone with the SD card moves a check-in's time.
    let conn = rusqlite::Connection::open(dir.path().join("urne.sqlite")).unwrap();
    let entry: String = conn
        .query_row("SELECT entry FROM audit WHERE seq = 3", [], |r| r.get(0))
        .unwrap();
    let edited = {
        let mut v: serde_json::Value = serde_json::from_str(&entry).unwrap();
        v["at"] = serde_json::Value::String("2026-12-05T18:00:00Z".into());
        v.to_string()
    };
    conn.execute("UPDATE audit SET entry = ?1 WHERE seq = 3", [edited])
        .unwrap();
    drop(conn);

    let kiosk = open(dir.path());
    let problem = kiosk.dashboard().unwrap().audit_problem;
    assert_eq!(
        problem.as_deref(),
        Some("audit entry 3 has been altered (its hash does not match)")
    );
    let h = Harness::new(kiosk, ViewOptions::default(), 1024, 600);
    let organiser = badges.iter().find(|b| b.role == Role::Organiser).unwrap();
    h.scan(&organiser.payload);
    assert!(h.wait_for_page(Page::Pin, Duration::from_secs(10)));
    for d in "123456".chars() {
        h.tap(&d.to_string());
    }
    h.tap("Valider");
    assert!(h.wait_for_page(Page::Dashboard, Duration::from_secs(10)));
    h.settle();
    assert_eq!(
        h.window.global::<OrganiserAdapter>().get_audit_problem(),
        "audit entry 3 has been altered (its hash does not match)"
    );
    assert!(h.shows(
        "Attention : la chaîne d'audit de ce kiosque est rompue (audit entry 3 has been altered (its hash does not match)). Les résultats exportés ne passeront pas la vérification. Prévenez le responsable du registre."
    ));
    // The kiosk still works: a member checks in.
    h.tap("Verrouiller");
    let member = badges.iter().find(|b| b.role == Role::Participant).unwrap();
    h.scan(&member.payload);
    assert!(h.wait_for(
        &format!("Bonjour {} !", member.name),
        Duration::from_secs(10)
    ));
    h.shutdown();
}
