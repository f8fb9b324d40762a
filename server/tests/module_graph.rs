//! The modules of each crate of the server side (walletpush-server, and the sandbox that
//! composes it) form a directed acyclic graph: data flows one way. The graph is read from the
//! sources: an edge for each `crate::`, `super::` or child-module path outside comments and
//! `mod tests`, to the longest module that path names.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

#[test]
fn walletpush_server_modules_form_a_dag() {
    assert_acyclic(&crate_dir("src"));
}

#[test]
fn sandbox_modules_form_a_dag() {
    assert_acyclic(&crate_dir("../sandbox/src"));
}

#[test]
fn a_circle_is_found() {
    let mut graph = Graph::new();
    graph.insert("a".into(), ["b".to_owned()].into());
    graph.insert("b".into(), ["c".to_owned()].into());
    graph.insert("c".into(), ["a".to_owned()].into());
    graph.insert("d".into(), ["a".to_owned()].into());
    assert_eq!(
        find_cycle(&graph),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    graph.insert("c".into(), BTreeSet::new());
    assert_eq!(find_cycle(&graph), None);
}

#[test]
fn paths_resolve_to_the_longest_module() {
    let modules: BTreeSet<String> = ["", "db", "db::cards", "wallet", "wallet::vault"]
        .map(str::to_owned)
        .into();
    let text = "use crate::db::cards::{self as store, Card};\nuse super::{pages, vault::Held};\n\
                // use crate::wallet; (a comment)\nfn f() { crate::db::open(); }\n\
                #[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::app::App;\n}\n";
    let refs = references(text, "wallet::popup", &modules);
    assert_eq!(
        refs,
        ["db", "db::cards", "wallet", "wallet::vault"]
            .map(str::to_owned)
            .into()
    );
}

type Graph = BTreeMap<String, BTreeSet<String>>;

fn crate_dir(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn assert_acyclic(src: &Path) {
    let files = rust_files(src);
    assert!(files.len() > 5, "no sources under {}", src.display());
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(src, f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let module = module_of(src, file);
        let text = fs::read_to_string(file).unwrap();
        let mut edges = references(&text, &module, &modules);
        edges.remove(&module);
        graph.entry(module).or_default().extend(edges);
    }
    if let Some(cycle) = find_cycle(&graph) {
        panic!("import circle in {}: {}", src.display(), cycle.join(" -> "));
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files
}

/// `src/a/b.rs` -> `a::b`, `src/a/mod.rs` -> `a`, `src/lib.rs` and `src/main.rs` -> `` (root).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts.join("::")
}

fn parent_of(module: &str) -> Option<String> {
    if module.is_empty() {
        return None;
    }
    Some(module.rsplit_once("::").map_or("", |(p, _)| p).to_owned())
}

/// `text` without comment lines and without the items under `#[cfg(test)]` (test modules,
/// whose `super` is not the file's module, and test helpers).
fn production_code(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("//") {
            continue;
        }
        if trimmed == "#[cfg(test)]" {
            // Skip the next item: one line, or up to its closing brace.
            let mut depth = 0i32;
            for next in lines.by_ref() {
                depth += next.matches('{').count() as i32 - next.matches('}').count() as i32;
                if depth <= 0 && (next.trim_end().ends_with(';') || next.trim_end().ends_with('}'))
                {
                    break;
                }
            }
            continue;
        }
        code.push_str(line);
        code.push('\n');
    }
    code
}

/// The modules `text` (the file of `module`) refers to.
fn references(text: &str, module: &str, modules: &BTreeSet<String>) -> BTreeSet<String> {
    let code = production_code(text);
    let mut found = BTreeSet::new();
    let children: Vec<&str> = modules
        .iter()
        .filter_map(|m| {
            let rest = if module.is_empty() {
                Some(m.as_str())
            } else {
                m.strip_prefix(module)?.strip_prefix("::")
            };
            rest.filter(|r| !r.is_empty() && !r.contains("::"))
        })
        .collect();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let at_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        let rest = &code[i..];
        let base = if !at_word {
            None
        } else if let Some(r) = rest.strip_prefix("crate::") {
            Some((String::new(), r))
        } else if let Some(r) = rest.strip_prefix("super::") {
            Some((parent_of(module).unwrap_or_default(), r))
        } else if let Some(r) = rest.strip_prefix("use ") {
            children
                .iter()
                .any(|c| r.starts_with(&format!("{c}::")))
                .then(|| (module.to_owned(), r))
        } else {
            None
        };
        if let Some((base, r)) = base {
            for path in expand(r) {
                let full = join(&base, &path);
                found.insert(longest_module(&full, modules));
            }
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    found
}

/// The paths of a use tree or path expression at the start of `text`: `a::b::{c, d::e}` ->
/// `a::b::c`, `a::b::d::e`.
fn expand(text: &str) -> Vec<String> {
    let mut prefix = String::new();
    let chars = text.char_indices();
    for (i, c) in chars {
        if c.is_ascii_alphanumeric() || c == '_' || c == ':' {
            prefix.push(c);
            continue;
        }
        if c == '{' && (prefix.is_empty() || prefix.ends_with("::")) {
            let inner = &text[i + 1..matching_brace(text, i)];
            let base = prefix.trim_end_matches(':');
            return split_top(inner)
                .into_iter()
                .flat_map(|item| {
                    let item = item.split(" as ").next().unwrap_or_default().trim();
                    if item == "self" {
                        vec![base.to_owned()]
                    } else {
                        expand(item).into_iter().map(|p| join(base, &p)).collect()
                    }
                })
                .collect();
        }
        break;
    }
    vec![prefix.trim_end_matches(':').to_owned()]
}

fn matching_brace(text: &str, open: usize) -> usize {
    let mut depth = 0;
    for (i, c) in text[open..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return open + i;
                }
            }
            _ => {}
        }
    }
    text.len()
}

fn split_top(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(text[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(text[start..].trim());
    items.into_iter().filter(|s| !s.is_empty()).collect()
}

fn join(base: &str, path: &str) -> String {
    match (base.is_empty(), path.is_empty()) {
        (true, _) => path.to_owned(),
        (_, true) => base.to_owned(),
        _ => format!("{base}::{path}"),
    }
}

fn longest_module(path: &str, modules: &BTreeSet<String>) -> String {
    let mut candidate = path.to_owned();
    loop {
        if modules.contains(&candidate) {
            return candidate;
        }
        match candidate.rsplit_once("::") {
            Some((parent, _)) => candidate = parent.to_owned(),
            None => return String::new(),
        }
    }
}

/// A cycle of `graph`, from a module back to itself, if there is one.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        done: &mut BTreeSet<String>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, path) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut done, &mut Vec::new()))
}
