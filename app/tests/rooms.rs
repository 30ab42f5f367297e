//! Rooms a newcomer can find (issue 31): no source file of any crate of the
//! repository has more than 450 lines of code before its test module (lines that are
//! neither blank nor comments; a test module longer than its code lives in a sibling
//! file, `position/tests.rs`). Test and bench files are not counted here.

use std::path::{Path, PathBuf};

const MAX: usize = 450;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if !matches!(name, "target" | "node_modules" | "tests" | "benches") && !name.starts_with('.') {
                walk(&p, out);
            }
        } else if name.ends_with(".rs")
            && p.components().any(|c| c.as_os_str() == "src")
            && name != "tests.rs"
        {
            out.push(p);
        }
    }
}

/// Lines of code before the file's first top-level `#[cfg(test)]`.
fn code_lines(text: &str) -> usize {
    text.lines()
        .take_while(|l| !l.starts_with("#[cfg(test)]"))
        .filter(|l| {
            let t = l.trim();
            !t.is_empty() && !t.starts_with("//")
        })
        .count()
}

#[test]
fn no_source_file_is_over_450_lines_of_code() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    walk(repo, &mut files);
    assert!(files.len() > 100, "{} files", files.len());
    let mut over: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = code_lines(&std::fs::read_to_string(f).unwrap());
            (n > MAX).then(|| format!("{}: {n}", f.strip_prefix(repo).unwrap().display()))
        })
        .collect();
    over.sort();
    assert_eq!(over, Vec::<String>::new());
}

#[test]
fn the_count_skips_comments_blanks_and_tests() {
    let text = "//! doc\n\nuse a;\n/// item\nfn f() {}\n  // note\n#[cfg(test)]\nmod tests { fn g() {} }\n";
    assert_eq!(code_lines(text), 2);
}
