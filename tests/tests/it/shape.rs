//! The shape of the code, checked mechanically: no source file over 800 lines, no function over
//! 150 lines, and no import loop between the modules of a crate (two siblings that use each
//! other, directly or round a longer cycle) — rooms of a sensible size that a newcomer can find
//! their way in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use urne_tests::workspace;

/// Most lines in a file under a `src/` folder.
const MAX_FILE_LINES: usize = 800;
/// Most lines in one function, signature and closing brace included.
const MAX_FUNCTION_LINES: usize = 150;

/// Every crate's `src/` folder.
fn source_roots() -> Vec<PathBuf> {
    let root = workspace();
    let mut roots = Vec::new();
    for member in ["core", "firmware-ui", "tests"] {
        roots.push(root.join(member).join("src"));
    }
    let sync = root.join("sync");
    for entry in std::fs::read_dir(&sync)
        .expect("sync/ holds crates")
        .flatten()
    {
        let src = entry.path().join("src");
        if src.is_dir() && entry.path().join("Cargo.toml").is_file() {
            roots.push(src);
        }
    }
    roots
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable folder").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn relative(path: &Path) -> String {
    path.strip_prefix(workspace())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn no_source_file_is_over_800_lines() {
    let mut long = Vec::new();
    for root in source_roots() {
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        for file in files {
            let lines = std::fs::read_to_string(&file).unwrap().lines().count();
            if lines > MAX_FILE_LINES {
                long.push(format!("{} ({lines} lines)", relative(&file)));
            }
        }
    }
    assert!(
        long.is_empty(),
        "split these by concern (a big test module goes to a sibling tests.rs): {long:#?}"
    );
}

/// The functions of a rustfmt-formatted file with their length in lines: a function starts at
/// a line `fn name` and ends at the first line that is its indentation and `}`; a declaration
/// without a body (a trait's) has none.
fn functions(text: &str) -> Vec<(String, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let after_qualifiers = trimmed
            .trim_start_matches("pub(crate) ")
            .trim_start_matches("pub(super) ")
            .trim_start_matches("pub ")
            .trim_start_matches("const ")
            .trim_start_matches("async ")
            .trim_start_matches("unsafe ");
        let Some(rest) = after_qualifiers.strip_prefix("fn ") else {
            continue;
        };
        let name: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // Where the signature ends: a body opens with `{`, a declaration ends with `;`.
        let mut j = i;
        let has_body = loop {
            let l = lines[j].trim_end();
            if l.ends_with('{') || l.ends_with('}') {
                break true;
            }
            if l.ends_with(';') || j + 1 == lines.len() {
                break false;
            }
            j += 1;
        };
        if !has_body {
            continue;
        }
        if lines[j].trim_end().ends_with('}') {
            found.push((name, j - i + 1));
            continue;
        }
        let close = format!("{indent}}}");
        if let Some(end) = (j + 1..lines.len()).find(|&k| lines[k].trim_end() == close) {
            found.push((name, end - i + 1));
        }
    }
    found
}

#[test]
fn no_function_is_over_150_lines() {
    let mut long = Vec::new();
    for root in source_roots() {
        let mut files = Vec::new();
        rust_files(&root, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (name, lines) in functions(&text) {
                if lines > MAX_FUNCTION_LINES {
                    long.push(format!("{}: fn {name} ({lines} lines)", relative(&file)));
                }
            }
        }
    }
    assert!(long.is_empty(), "split these functions: {long:#?}");
}

#[test]
fn the_function_measure_sees_bodies_and_skips_declarations() {
    let text = "fn short() {}\n\
                pub fn two(a: u8) -> u8 {\n    a\n}\n\
                trait T {\n    fn declared(&self);\n    fn default(&self) {\n        todo_not();\n    }\n}\n";
    assert_eq!(
        functions(text),
        vec![
            ("short".into(), 1),
            ("two".into(), 3),
            ("default".into(), 3)
        ]
    );
}

/// A crate's modules, by path from the crate root (`""` for the root, `"kiosk::visit"`), each
/// with its file.
fn modules(root: &Path) -> BTreeMap<String, PathBuf> {
    let mut files = Vec::new();
    rust_files(root, &mut files);
    files
        .into_iter()
        .filter_map(|file| {
            let rel = file.strip_prefix(root).ok()?.with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            // The binaries' roots are their own crates.
            if parts.first().is_some_and(|p| p == "bin") {
                return None;
            }
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            Some((parts.join("::"), file))
        })
        .collect()
}

/// The module paths a file names: `crate::a::b…` and `super::…` (resolved from `module`),
/// brace groups included (`use super::{a, b}`).
fn references(text: &str, module: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let here: Vec<&str> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").collect()
    };
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let (base, skip): (Vec<&str>, usize) = if rest.starts_with("crate::")
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
        {
            (Vec::new(), "crate::".len())
        } else if rest.starts_with("super::")
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'))
        {
            // One or more `super::`.
            let mut depth = 0;
            let mut k = 0;
            while rest[k..].starts_with("super::") {
                depth += 1;
                k += "super::".len();
            }
            let keep = here.len().saturating_sub(depth);
            (here[..keep].to_vec(), k)
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let tail = &rest[skip..];
        for path in paths_after(tail) {
            let mut full: Vec<String> = base.iter().map(|s| (*s).to_owned()).collect();
            full.extend(path);
            out.insert(full.join("::"));
        }
        i += skip;
    }
    out
}

/// The paths that follow `crate::` or `super::`: `a::b::C`, or each element of `{a, b::c}`.
fn paths_after(tail: &str) -> Vec<Vec<String>> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    if let Some(group) = tail.strip_prefix('{') {
        let mut depth = 0;
        let mut items = Vec::new();
        let mut current = String::new();
        for c in group.chars() {
            match c {
                '{' => {
                    depth += 1;
                    current.push(c);
                }
                '}' if depth == 0 => break,
                '}' => {
                    depth -= 1;
                    current.push(c);
                }
                ',' if depth == 0 => items.push(std::mem::take(&mut current)),
                _ => current.push(c),
            }
        }
        items.push(current);
        return items
            .iter()
            .flat_map(|item| paths_after(item.trim()))
            .collect();
    }
    let mut path = Vec::new();
    let mut rest = tail;
    loop {
        let name = ident(rest);
        if name.is_empty() {
            break;
        }
        rest = &rest[name.len()..];
        path.push(name);
        match rest.strip_prefix("::") {
            Some(r) if !r.starts_with('{') => rest = r,
            Some(r) => {
                let prefix = path.clone();
                return paths_after(r)
                    .into_iter()
                    .map(|p| prefix.iter().cloned().chain(p).collect())
                    .collect();
            }
            None => break,
        }
    }
    vec![path]
}

/// The edges between sibling modules: `a` uses `b` when a file of `a` (or of a module inside
/// it) names `b` or something inside it, and `a` and `b` share their parent. A module using its
/// own parent or child is no loop.
fn sibling_edges(modules: &BTreeMap<String, PathBuf>) -> BTreeSet<(String, String)> {
    let split = |m: &str| -> Vec<String> {
        if m.is_empty() {
            Vec::new()
        } else {
            m.split("::").map(String::from).collect()
        }
    };
    let mut edges = BTreeSet::new();
    for (module, file) in modules {
        // Code only: a doc link to a sibling (`[crate::fetch]`) is no import.
        let text: String = std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let from = split(module);
        for target in references(&text, module) {
            let to = split(&target);
            // The longest prefix of `to` that is a module.
            let Some(module_len) = (0..=to.len())
                .rev()
                .find(|&n| modules.contains_key(&to[..n].join("::")))
            else {
                continue;
            };
            let to = &to[..module_len];
            let common = from.iter().zip(to).take_while(|(a, b)| a == b).count();
            if common < from.len() && common < to.len() {
                let a = from[..=common].join("::");
                let b = to[..=common].join("::");
                edges.insert((a, b));
            }
        }
    }
    edges
}

/// A cycle among `edges`, if there is one.
fn cycle(edges: &BTreeSet<(String, String)>) -> Option<Vec<String>> {
    let mut next: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (a, b) in edges {
        next.entry(a).or_default().push(b);
    }
    fn visit<'a>(
        node: &'a str,
        next: &BTreeMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| *n == node) {
            let mut found: Vec<String> = path[at..].iter().map(|s| (*s).to_owned()).collect();
            found.push(node.to_owned());
            return Some(found);
        }
        if !done.insert(node) {
            return None;
        }
        path.push(node);
        for n in next.get(node).into_iter().flatten() {
            if let Some(found) = visit(n, next, path, done) {
                return Some(found);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    let starts: Vec<&str> = next.keys().copied().collect();
    for start in starts {
        if let Some(found) = visit(start, &next, &mut Vec::new(), &mut done) {
            return Some(found);
        }
    }
    None
}

#[test]
fn no_two_modules_of_a_crate_use_each_other() {
    let mut loops = Vec::new();
    for root in source_roots() {
        let modules = modules(&root);
        if let Some(found) = cycle(&sibling_edges(&modules)) {
            loops.push(format!("{}: {}", relative(&root), found.join(" → ")));
        }
    }
    assert!(loops.is_empty(), "import loops between modules: {loops:#?}");
}

#[test]
fn the_loop_finder_sees_siblings_and_ignores_parents() {
    assert_eq!(
        references("use super::{State, ask, codes::problem};", "view::voter"),
        ["view::State", "view::ask", "view::codes::problem"]
            .into_iter()
            .map(String::from)
            .collect()
    );
    assert_eq!(
        references(
            "use crate::kiosk::{self, Kiosk};\nsuper::super::x()",
            "a::b"
        ),
        ["kiosk::self", "kiosk::Kiosk", "x"]
            .into_iter()
            .map(String::from)
            .collect()
    );
    let edges: BTreeSet<(String, String)> = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]
        .into_iter()
        .map(|(x, y)| (x.to_owned(), y.to_owned()))
        .collect();
    assert_eq!(
        cycle(&edges),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    let acyclic: BTreeSet<(String, String)> = [("a", "b"), ("b", "c"), ("a", "c")]
        .into_iter()
        .map(|(x, y)| (x.to_owned(), y.to_owned()))
        .collect();
    assert_eq!(cycle(&acyclic), None);
}
