//! The client's layers (README, "Layout"): `reports/` builds every report once and
//! imports neither of its presenters; `serve/` presents reports and never imports the
//! command line; nothing but `main.rs` and `cli/` itself imports `cli/`. Read from the
//! source, so an import that closes a circle fails here by name.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `crate::<module>` a file names (in `use` lines and paths alike), with its line.
fn uses(file: &Path, module: &str) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let path = format!("crate::{module}");
    let group = format!("crate::{{{module}");
    text.lines()
        .enumerate()
        .filter(|(_, l)| {
            let l = l.trim_start();
            !l.starts_with("//")
                && (l.contains(&format!("{path}::"))
                    || l.contains(&format!("{path};"))
                    || l.contains(&group)
                    || (l.contains("crate::{") && l.contains(&format!(" {module},")))
                    || (l.contains("crate::{") && l.contains(&format!(" {module}}}"))))
        })
        .map(|(i, l)| format!("{}:{}: {}", file.display(), i + 1, l.trim()))
        .collect()
}

fn imports(under: &str, module: &str) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root.join(under), &mut files);
    files.iter().flat_map(|f| uses(f, module)).collect()
}

#[test]
fn reports_import_neither_presenter() {
    assert_eq!(imports("reports", "cli"), Vec::<String>::new());
    assert_eq!(imports("reports", "serve"), Vec::<String>::new());
}

#[test]
fn the_page_does_not_import_the_command_line() {
    assert_eq!(imports("serve", "cli"), Vec::<String>::new());
}

#[test]
fn only_the_command_line_imports_itself() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    let outside: Vec<String> = files
        .iter()
        .filter(|f| !f.starts_with(root.join("cli")) && !f.ends_with("main.rs"))
        .flat_map(|f| uses(f, "cli"))
        .collect();
    assert_eq!(outside, Vec::<String>::new());
}

#[test]
fn the_scan_sees_an_import() {
    // The scanner finds the imports that exist (so an empty answer above means none).
    assert!(!imports("cli", "reports").is_empty());
    assert!(!imports("serve", "reports").is_empty());
}
