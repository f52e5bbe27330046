//! `serfiq fairness` and `serfiq eval --groups` end to end: the scores-table
//! report equals the same part of the eval's report; CSV and JSON scores give
//! the same report; bad input gives status 2 and a message; on LFW folds 1–5
//! with sex.tsv (skipped when ../shared/data is absent) the counts match the
//! label file and the pairs file.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;
use serde_json::Value;

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("serfiq-fairness-cli-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(args: &[&str]) -> Output {
    let cache = fetched("models").parent().unwrap().to_path_buf();
    Command::new(env!("CARGO_BIN_EXE_serfiq"))
        .args(args)
        .env("SERFIQ_CACHE", cache)
        .env_remove("SERFIQ_MODEL")
        .env_remove("SERFIQ_DETECTOR")
        .env_remove("SERFIQ_ORT_LIB")
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> Output {
    let out = run(args);
    assert!(
        out.status.success(),
        "serfiq {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The report without what needs comparisons: each group's `recognition` and the FNMR summary lines.
fn without_comparisons(mut v: Value) -> Value {
    for g in v["groupings"].as_array_mut().unwrap() {
        for grp in g["groups"].as_array_mut().unwrap() {
            grp.as_object_mut().unwrap().remove("recognition");
        }
        g["summary"].as_array_mut().unwrap().retain(|l| l["measure"] == "rejection");
    }
    v
}

#[test]
fn fairness_of_score_csv_equals_eval_groups() {
    let dir = scratch("demo");
    let set = dir.join("set");
    for (who, file) in
        [("obama", "obama.jpg"), ("obama", "obama2.jpg"), ("obama", "obama3.jpg"), ("biden", "biden.jpg")]
    {
        std::fs::create_dir_all(set.join(who)).unwrap();
        std::fs::copy(fetched(&format!("faces/{file}")), set.join(who).join(file)).unwrap();
    }
    let groups = dir.join("groups.tsv");
    std::fs::write(
        &groups,
        "path\tband\tlight\nobama/obama.jpg\ta\tx\nobama/obama2.jpg\ta\t\nobama/obama3.jpg\tb\ty\nbiden/biden.jpg\ta\ty\n",
    )
    .unwrap();
    let out = dir.join("out");
    let (set_s, out_s, groups_s) = (set.to_str().unwrap(), out.to_str().unwrap(), groups.to_str().unwrap());
    let printed = ok(&["eval", set_s, "--out", out_s, "--fmr", "0.001,0.5", "--groups", groups_s]);
    let table = String::from_utf8_lossy(&printed.stdout);
    assert!(table.contains("== by band (0 images without a label)"), "{table}");
    assert!(table.contains("== by light (1 images without a label)"), "{table}");
    assert!(out.join("fairness-band.png").is_file() && out.join("fairness-light.png").is_file());
    let eval = read_json(&out.join("fairness.json"));
    // Obama's three genuine pairs: (1, 2) and (1, 3) cross bands, (1, 2) lies in band a.
    let a = &eval["groupings"][0]["groups"][0];
    assert_eq!((a["group"].as_str(), a["images"].as_u64()), (Some("a"), Some(3)));
    assert_eq!(a["recognition"]["genuine_pairs"], 1);
    assert_eq!(a["recognition"]["impostor_pairs"], 2, "biden with obama and obama2");
    assert_eq!(a["recognition"]["at_fmr"].as_array().unwrap().len(), 2);

    let images: Vec<String> = ["biden/biden.jpg", "obama/obama.jpg", "obama/obama2.jpg", "obama/obama3.jpg"]
        .iter()
        .map(|f| set.join(f).to_str().unwrap().to_string())
        .collect();
    let args: Vec<&str> = images.iter().map(String::as_str).collect();
    let csv = dir.join("scores.csv");
    std::fs::write(&csv, ok(&[&["score"], &args[..]].concat()).stdout).unwrap();
    let json = dir.join("fairness.json");
    ok(&["fairness", csv.to_str().unwrap(), groups_s, "--json", json.to_str().unwrap()]);
    assert_eq!(read_json(&json), without_comparisons(eval));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn csv_and_json_scores_give_one_report_and_bad_input_a_message() {
    let dir = scratch("tables");
    let (csv, json, groups) = (dir.join("s.csv"), dir.join("s.json"), dir.join("g.tsv"));
    let mut c = String::from("path,s,q,n,f,q100,LuminanceMean,LuminanceMean_raw,feedback\n");
    let mut j = Vec::new();
    let mut g = String::from("path\tsex\n");
    for i in 0..50 {
        let (s, f, q100, lum) =
            (0.5 + i as f64 / 200.0, (i * 7 % 50) as f64 / 50.0, i as f64 * 2.0, 30.0 + (i % 9) as f64);
        c += &format!("data/img{i}.jpg,{s},0.5,20,{f},{q100},{lum},{},\n", lum * 2.0);
        j.push(serde_json::json!({"path": format!("data/img{i}.jpg"), "s": s, "q": 0.5, "n": 20, "f": f, "q100": q100,
            "components": {"LuminanceMean": {"raw": lum * 2.0, "value": lum}}}));
        g += &format!("img{i}.jpg\t{}\n", if i % 3 == 0 { "female" } else { "male" });
    }
    std::fs::write(&csv, c).unwrap();
    std::fs::write(&json, serde_json::to_string(&j).unwrap()).unwrap();
    std::fs::write(&groups, g).unwrap();
    let (from_csv, from_json) = (dir.join("a.json"), dir.join("b.json"));
    let printed =
        ok(&["fairness", csv.to_str().unwrap(), groups.to_str().unwrap(), "--json", from_csv.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&printed.stdout).contains("LuminanceMean"));
    ok(&["fairness", json.to_str().unwrap(), groups.to_str().unwrap(), "--json", from_json.to_str().unwrap()]);
    let report = read_json(&from_csv);
    assert_eq!(report, read_json(&from_json));
    let female = &report["groupings"][0]["groups"][0];
    assert_eq!((female["group"].as_str(), female["images"].as_u64()), (Some("female"), Some(17)));
    // img0, img3, … img48: luminance 30 + (i mod 9) averaged over the 17.
    let want = (0..50).step_by(3).map(|i| 30.0 + (i % 9) as f64).sum::<f64>() / 17.0;
    assert!((female["component_means"][0]["mean"].as_f64().unwrap() - want).abs() < 1e-9);

    let bad = dir.join("bad.tsv");
    std::fs::write(&bad, "file\tsex\n").unwrap();
    for (args, message) in [
        (vec![csv.to_str().unwrap(), bad.to_str().unwrap()], "expected a header `path<TAB>column…`"),
        (vec![groups.to_str().unwrap(), groups.to_str().unwrap()], "expected the CSV of `serfiq score`"),
        (vec![dir.join("none.csv").to_str().unwrap(), groups.to_str().unwrap()], "cannot read"),
    ] {
        let out = run(&[&["fairness"], &args[..]].concat());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(message), "{err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn lfw_report_counts_match_the_label_file() {
    let (Some(root), Some(pairs), Some(sex)) =
        (shared_data("lfw/aligned112"), shared_data("lfw/pairs.txt"), shared_data("lfw/sex.tsv"))
    else {
        return;
    };
    let out = scratch("lfw");
    let args =
        ["eval", root.to_str().unwrap(), "--pairs", pairs.to_str().unwrap(), "--no-detect", "--fmr", "0.001,0.01"];
    ok(&[&args[..], &["--groups", sex.to_str().unwrap(), "--out", out.to_str().unwrap()]].concat());
    let report = read_json(&out.join("fairness.json"));

    // Independently: each image's label, the images the pairs use, and the pairs within a sex.
    let label: HashMap<String, String> = std::fs::read_to_string(&sex)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let (p, s) = l.split_once('\t').unwrap();
            (p.to_string(), s.to_string())
        })
        .collect();
    let file = |n: &str, i: u32| format!("{n}/{n}_{i:04}.jpg");
    let mut used = std::collections::HashSet::new();
    let mut genuine_within: HashMap<String, u64> = HashMap::new();
    for (n1, i1, n2, i2, is_genuine) in lfw_pairs(&pairs) {
        let (a, b) = (file(&n1, i1), file(&n2, i2));
        if let (true, Some(la), Some(lb)) = (is_genuine, label.get(&a), label.get(&b)) {
            if la == lb {
                *genuine_within.entry(la.clone()).or_default() += 1;
            }
        }
        used.insert(a);
        used.insert(b);
    }
    assert_eq!(report["images"].as_u64(), Some(used.len() as u64));
    let grouping = &report["groupings"][0];
    assert_eq!(grouping["column"], "sex");
    let unlabelled = used.iter().filter(|p| !label.contains_key(*p)).count() as u64;
    assert_eq!(grouping["unlabelled"].as_u64(), Some(unlabelled));
    for g in grouping["groups"].as_array().unwrap() {
        let name = g["group"].as_str().unwrap();
        let images = used.iter().filter(|p| label.get(*p).map(String::as_str) == Some(name)).count() as u64;
        assert_eq!(g["images"].as_u64(), Some(images), "{name}");
        assert_eq!(g["recognition"]["genuine_pairs"].as_u64(), genuine_within.get(name).copied(), "{name}");
        for q in g["rejection"].as_array().unwrap() {
            for r in q["rejected"].as_array().unwrap() {
                assert_eq!(r["of"].as_u64(), Some(images));
            }
        }
    }
    assert_eq!(grouping["groups"].as_array().unwrap().len(), 2, "female and male");
    let _ = std::fs::remove_dir_all(&out);
}
