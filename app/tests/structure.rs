//! No import circles anywhere in the repository (issue 31): in every crate (the
//! engine, the program, the client, the bank tests, the tools and benches), no module
//! imports a sibling that imports it back, directly or through others. Read from the
//! source: for each file its module path (`src/a/b.rs` is `a::b`), and every path it
//! names through `crate::`, `super::` or `self::` (in `use` lines and in code, braces
//! expanded) resolved to the longest module it reaches; an import between two modules
//! is counted between their ancestors that are siblings (`a::b` naming `c::d` is
//! `a -> c`); a module naming its own ancestor or descendant is not an import between
//! siblings (a parent declares its children). Test modules (after a top-level
//! `#[cfg(test)]`) are left out: they do not shape the design.
//!
//! And rooms a newcomer can find: no source file has more than 450 lines of code
//! before its test module (lines neither blank nor comments; a test module longer
//! than its code lives in a sibling file, `position/tests.rs`, which is not counted).
//! Integration tests and benches (a crate's `tests/` and `benches/`) are held to the
//! same 450 lines: a long test binary is a directory, `tests/attacks/main.rs` and its
//! modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

const MAX: usize = 450;

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    // Vendored third-party source kept unchanged (tools/p-token: the Token program the
    // SBF suite measures against) is not ours to shape.
    if dir.ends_with("tools/p-token") {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if p.is_dir() {
            if !matches!(name, "target" | "node_modules" | ".git") && !name.starts_with('.') {
                walk(&p, out);
            }
        } else if name.ends_with(".rs") {
            out.push(p);
        }
    }
}

/// The `src` directories of the repository's crates (those with a `lib.rs` or `main.rs`).
fn crate_roots(repo: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    walk(repo, &mut files);
    let mut roots: BTreeSet<PathBuf> = BTreeSet::new();
    for f in files {
        let dir = f.parent().unwrap();
        let is_root = dir.file_name().is_some_and(|n| n == "src")
            && f.file_name().is_some_and(|n| n == "lib.rs" || n == "main.rs");
        if is_root {
            roots.insert(dir.to_path_buf());
        }
    }
    roots.into_iter().collect()
}

fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut m: Module = rel.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    if m.last()
        .is_some_and(|l| matches!(l.as_str(), "mod" | "lib" | "main"))
    {
        m.pop();
    }
    m
}

/// The file's code before its test module, without `//` comments.
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        if line.trim_start().starts_with("//") {
            continue;
        }
        out += line.split("//").next().unwrap_or("");
        out.push('\n');
    }
    out
}

fn ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The paths a file names after `crate::`, `super::` (repeated) or `self::`, each as
/// its segments from the crate's root, braces expanded.
fn named_paths(text: &str, module: &Module) -> Vec<Module> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let at_word = i == 0 || !ident(b[i - 1]);
        let head = ["crate::", "super::", "self::"]
            .iter()
            .find(|h| b[i..].starts_with(h.as_bytes()));
        let Some(head) = head.filter(|_| at_word) else {
            i += 1;
            continue;
        };
        let mut base: Module = match *head {
            "crate::" => Vec::new(),
            "self::" => module.clone(),
            _ => module[..module.len().saturating_sub(1)].to_vec(),
        };
        let mut j = i + head.len();
        while b[j..].starts_with(b"super::") {
            base.pop();
            j += "super::".len();
        }
        let (paths, end) = tail(text, j);
        for p in paths {
            let mut full = base.clone();
            full.extend(p);
            out.push(full);
        }
        i = end.max(i + 1);
    }
    out
}

/// The path (or `{...}` group of paths) starting at `j`, and where it ends.
fn tail(text: &str, j: usize) -> (Vec<Module>, usize) {
    let b = text.as_bytes();
    if b.get(j) == Some(&b'{') {
        let mut depth = 0;
        let mut k = j;
        while k < b.len() {
            match b[k] {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            k += 1;
        }
        let inner = &text[j + 1..k.min(text.len())];
        let mut parts = Vec::new();
        let (mut depth, mut start) = (0, 0);
        for (x, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&inner[start..x]);
                    start = x + 1;
                }
                _ => {}
            }
        }
        parts.push(&inner[start..]);
        let mut out = Vec::new();
        for p in parts {
            let p = p.trim();
            if p.is_empty() {
                continue;
            }
            let (sub, _) = tail(p, 0);
            out.extend(sub);
        }
        return (out, k + 1);
    }
    let mut segs = Vec::new();
    let mut k = j;
    loop {
        let s = k;
        while k < b.len() && ident(b[k]) {
            k += 1;
        }
        if k == s {
            break;
        }
        segs.push(text[s..k].to_string());
        if b[k..].starts_with(b"::{") {
            let (sub, end) = tail(text, k + 2);
            return (
                sub.into_iter()
                    .map(|t| segs.iter().cloned().chain(t).collect())
                    .collect(),
                end,
            );
        }
        if b[k..].starts_with(b"::") {
            k += 2;
        } else {
            break;
        }
    }
    (vec![segs], k)
}

/// The imports between sibling modules of the crate at `src`.
fn edges(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    walk(src, &mut files);
    let modules: BTreeMap<Module, PathBuf> = files.iter().map(|f| (module_of(src, f), f.clone())).collect();
    let mut g: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (m, f) in &modules {
        for path in named_paths(&code(f), m) {
            let Some(target) = (0..=path.len())
                .rev()
                .map(|l| path[..l].to_vec())
                .find(|p| modules.contains_key(p))
            else {
                continue;
            };
            let common = m.iter().zip(&target).take_while(|(a, b)| a == b).count();
            if common == m.len() || common == target.len() {
                continue;
            }
            g.entry(m[..=common].to_vec())
                .or_default()
                .insert(target[..=common].to_vec());
        }
    }
    g
}

/// The circles of `g`: its strongly connected components of more than one module.
fn circles(g: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<String>> {
    let nodes: Vec<&Module> = g
        .keys()
        .chain(g.values().flatten())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let reach = |from: &Module| {
        let mut seen: BTreeSet<&Module> = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(v) = stack.pop() {
            for w in g.get(v).into_iter().flatten() {
                if seen.insert(w) {
                    stack.push(w);
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&Module, BTreeSet<&Module>> = nodes.iter().map(|n| (*n, reach(n))).collect();
    let mut out: BTreeSet<Vec<String>> = BTreeSet::new();
    for a in &nodes {
        let mut comp: Vec<String> = nodes
            .iter()
            .filter(|b| a != *b && reach[a].contains(**b) && reach[**b].contains(*a))
            .map(|b| b.join("::"))
            .collect();
        if !comp.is_empty() {
            comp.push(a.join("::"));
            comp.sort();
            out.insert(comp);
        }
    }
    out.into_iter().collect()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[test]
fn no_crate_of_the_repository_has_an_import_circle() {
    let roots = crate_roots(&repo());
    assert!(roots.len() >= 5, "{roots:?}");
    let mut found = Vec::new();
    let mut counted = 0;
    for src in &roots {
        let g = edges(src);
        counted += g.values().map(BTreeSet::len).sum::<usize>();
        for c in circles(&g) {
            found.push(format!("{}: {}", src.display(), c.join(" <-> ")));
        }
    }
    assert!(counted > 100, "the scan sees the imports: {counted}");
    assert_eq!(found, Vec::<String>::new());
}

#[test]
fn the_scan_finds_a_circle_when_there_is_one() {
    let dir = std::env::temp_dir().join(format!("circles-{}", std::process::id()));
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("a")).unwrap();
    std::fs::write(src.join("lib.rs"), "mod a; mod b; mod c;\n").unwrap();
    std::fs::write(src.join("a/mod.rs"), "mod inner;\nuse crate::b::Thing;\n").unwrap();
    std::fs::write(src.join("a/inner.rs"), "use super::super::c::{x, y::Z};\n").unwrap();
    std::fs::write(src.join("b.rs"), "pub struct Thing;\nfn f() { crate::c::g(); }\n").unwrap();
    std::fs::write(
        src.join("c.rs"),
        "use crate::{a::inner, b};\n#[cfg(test)]\nuse crate::b::Only;\n",
    )
    .unwrap();
    let g = edges(&src);
    let m = |s: &str| vec![s.to_string()];
    assert_eq!(g[&m("a")], [m("b"), m("c")].into_iter().collect());
    assert_eq!(g[&m("c")], [m("a"), m("b")].into_iter().collect());
    assert_eq!(circles(&g), vec![vec!["a".to_string(), "b".into(), "c".into()]]);
    let _ = std::fs::remove_dir_all(&dir);
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

/// Whether `file` (relative to the repository) is held to the 450 lines: a source
/// under a crate's `src`, an integration test under its `tests/` or a bench under its
/// `benches/`; not a unit-test module `src/.../tests.rs` of a source file (the file
/// whose test module it is declares `mod tests;`).
fn counted(repo: &Path, file: &Path) -> bool {
    let parts: Vec<String> = file.iter().map(|c| c.to_string_lossy().into_owned()).collect();
    if !parts
        .iter()
        .any(|c| matches!(c.as_str(), "src" | "tests" | "benches"))
    {
        return false;
    }
    let unit_tests = parts.last().is_some_and(|n| n == "tests.rs") && parts.iter().any(|c| c == "src") && {
        let dir = repo.join(file).parent().unwrap().to_path_buf();
        let parents = [
            dir.with_extension("rs"),
            dir.join("mod.rs"),
            dir.join("lib.rs"),
            dir.join("main.rs"),
        ];
        parents
            .iter()
            .any(|p| std::fs::read_to_string(p).is_ok_and(|t| t.lines().any(|l| l.trim() == "mod tests;")))
    };
    !unit_tests
}

#[test]
fn no_source_file_is_over_450_lines_of_code() {
    let repo = repo();
    let mut all = Vec::new();
    walk(&repo, &mut all);
    let files: Vec<PathBuf> = all
        .into_iter()
        .filter(|f| counted(&repo, f.strip_prefix(&repo).unwrap()))
        .collect();
    assert!(files.len() > 100, "{} files", files.len());
    for needed in [
        "tests/tests/attacks/main.rs",
        "app/tests/structure.rs",
        "app/benches/load.rs",
    ] {
        assert!(files.contains(&repo.join(needed)), "{needed} is counted");
    }
    let mut over: Vec<String> = files
        .iter()
        .filter_map(|f| {
            let n = code_lines(&std::fs::read_to_string(f).unwrap());
            (n > MAX).then(|| format!("{}: {n}", f.strip_prefix(&repo).unwrap().display()))
        })
        .collect();
    over.sort();
    assert_eq!(over, Vec::<String>::new());
}

#[test]
fn integration_tests_and_benches_are_counted_but_not_unit_test_modules() {
    let dir = std::env::temp_dir().join(format!("counted-{}", std::process::id()));
    for d in ["c/src/a", "c/src/b", "c/tests/t", "c/benches"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    std::fs::write(dir.join("c/src/a.rs"), "#[cfg(test)]\nmod tests;\n").unwrap();
    let rel = |p: &str| PathBuf::from(p);
    assert!(counted(&dir, &rel("c/src/lib.rs")));
    assert!(
        !counted(&dir, &rel("c/src/a/tests.rs")),
        "the unit tests of src/a.rs"
    );
    assert!(
        counted(&dir, &rel("c/src/b/tests.rs")),
        "no file declares it a test module"
    );
    assert!(counted(&dir, &rel("c/tests/t/main.rs")));
    assert!(counted(&dir, &rel("c/tests/t/tests.rs")));
    assert!(counted(&dir, &rel("c/benches/load.rs")));
    assert!(!counted(&dir, &rel("c/build.rs")));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_count_skips_comments_blanks_and_tests() {
    let text = "//! doc\n\nuse a;\n/// item\nfn f() {}\n  // note\n#[cfg(test)]\nmod tests { fn g() {} }\n";
    assert_eq!(code_lines(text), 2);
}
