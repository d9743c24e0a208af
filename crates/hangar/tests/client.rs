//! The command line is a client of the running hub: the first administrator is made on the
//! host before the first start, everyone else signs in as themselves (`hangar login`), and
//! every act goes through the service with that person's token, so their role, the two-person
//! rule and the record apply. No `--as`, no `$USER`.

mod common;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Runs `hangar args` with the login file `login`, `stdin` as its input, and no token in the
/// environment.
fn run(login: &Path, url: &str, args: &[&str], stdin: &str) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_hangar"))
        .args(args)
        .env("HANGAR_LOGIN_FILE", login)
        .env("HANGAR_URL", url)
        .env_remove("HANGAR_TOKEN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    c.wait_with_output().unwrap()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}{}", text(&o.stdout), text(&o.stderr));
    text(&o.stdout)
}

fn password_of(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("password (shown once): "))
        .unwrap_or_else(|| panic!("no password in {out}"))
        .to_string()
}

#[test]
fn people_act_through_the_hub_as_themselves() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hub");
    let d = dir.to_str().unwrap();
    let file = |who: &str| tmp.path().join(format!("{who}.login.json"));
    let nowhere = "http://127.0.0.1:9";

    // The bootstrap: the first user of a data directory is its administrator, made on the host.
    let out = run(
        &file("x"),
        nowhere,
        &["users", "add", "olga", "--role", "operator", "--data", d],
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("the first one is its administrator"),
        "{}",
        text(&out.stderr)
    );
    let ada_pw = password_of(&ok(&run(
        &file("x"),
        nowhere,
        &["users", "add", "ada", "--role", "admin", "--data", d],
        "",
    )));
    // After that, nobody adds users behind the hub's back.
    let out = run(
        &file("x"),
        nowhere,
        &["users", "add", "eve", "--role", "admin", "--data", d],
        "",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("has users already"),
        "{}",
        text(&out.stderr)
    );

    let server = common::serve(&dir, &[], &[]);
    let url = server.base.as_str();
    let login_file = file("ada");

    // Signing in: a wrong password is refused; the right one saves a token only its owner reads.
    let out = run(
        &login_file,
        url,
        &["login", "--login", "ada"],
        "not-her-password\n",
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("wrong login or password"),
        "{}",
        text(&out.stderr)
    );
    assert!(!login_file.exists());
    let out = ok(&run(
        &login_file,
        url,
        &["login", "--login", "ada"],
        &format!("{ada_pw}\n"),
    ));
    assert!(
        out.contains("signed in to") && out.contains("as ada (admin)"),
        "{out}"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&login_file).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o077,
            0,
            "the login file is its owner's only: {mode:o}"
        );
    }
    // Signing in again replaces the token of the same label rather than piling them up.
    ok(&run(
        &login_file,
        url,
        &["login", "--login", "ada"],
        &format!("{ada_pw}\n"),
    ));

    // The administrator adds people through the hub; each then signs in as themselves.
    let as_ada = |args: &[&str]| run(&login_file, url, args, "");
    let olga_pw = password_of(&ok(&as_ada(&[
        "users", "add", "olga", "--role", "operator",
    ])));
    let cid_pw = password_of(&ok(&as_ada(&["users", "add", "cid", "--role", "customs"])));
    let abe = ok(&as_ada(&["users", "add", "abe", "--role", "admin"]));
    assert!(
        abe.contains("waiting for approval"),
        "a new administrator waits: {abe}"
    );
    let listed = ok(&as_ada(&["users", "list"]));
    for who in ["ada", "olga", "cid"] {
        assert!(listed.contains(who), "{listed}");
    }
    let olga_file = file("olga");
    ok(&run(
        &olga_file,
        url,
        &["login", "--login", "olga"],
        &format!("{olga_pw}\n"),
    ));
    let cid_file = file("cid");
    ok(&run(
        &cid_file,
        url,
        &["login", "--login", "cid"],
        &format!("{cid_pw}\n"),
    ));
    let as_olga = |args: &[&str]| run(&olga_file, url, args, "");
    let as_cid = |args: &[&str]| run(&cid_file, url, args, "");

    // An operator may not add users: the hub refuses, whatever the command line is asked.
    let out = as_olga(&["users", "add", "mallory", "--role", "admin"]);
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("403"), "{}", text(&out.stderr));

    // The two-person rule is real: a weakening change waits; its proposer cannot approve it
    // (and cannot name someone else to); a second person with the right role can.
    let plan = ok(&as_olga(&["control", "show", "route-plan"]));
    let moved = tmp.path().join("plan.toml");
    std::fs::write(&moved, plan.replacen("hold = 1", "hold = 6", 1)).unwrap();
    let out = ok(&as_olga(&[
        "control",
        "propose",
        "route-plan",
        moved.to_str().unwrap(),
        "--reason",
        "hold chute full",
    ]));
    assert!(out.contains("waiting for approval"), "{out}");
    let seq: String = out
        .split("proposal #")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let own = as_olga(&["control", "approve", &seq, "--reason", "me"]);
    assert!(
        !own.status.success(),
        "a proposer approves their own change"
    );
    let named = as_olga(&["control", "approve", &seq, "--reason", "me", "--as", "ada"]);
    assert!(!named.status.success(), "--as names someone else");
    assert!(
        text(&named.stderr).contains("--as"),
        "{}",
        text(&named.stderr)
    );
    let customs = as_cid(&["control", "approve", &seq, "--reason", "why not"]);
    assert!(
        !customs.status.success(),
        "customs may not change the route plan"
    );
    let listed = ok(&as_ada(&["control", "list"]));
    assert!(listed.contains(&format!("#{seq} waiting")), "{listed}");
    let out = ok(&as_ada(&[
        "control",
        "approve",
        &seq,
        "--reason",
        "checked the floor plan",
    ]));
    assert!(out.contains("applied: version"), "{out}");
    let history = ok(&as_ada(&["control", "history", "route-plan"]));
    assert!(
        history.contains("applied by user:ada (proposed by user:olga): checked the floor plan")
            || history.contains("applied by user:ada (proposed by user:olga)"),
        "{history}"
    );

    // Exports go through the hub's gate as the person who asks: an undeclared flow is refused
    // (and recorded), an auditor may not export at all.
    let out = as_olga(&[
        "export",
        "--flow",
        "nowhere",
        "--fields",
        "parcel.id,consignee.name",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("export refused"),
        "{}",
        text(&out.stderr)
    );

    // Signing out forgets the token: the next command is refused before it reaches the hub.
    ok(&as_olga(&["logout"]));
    assert!(!olga_file.exists());
    let out = as_olga(&["control", "list"]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not signed in"),
        "{}",
        text(&out.stderr)
    );
    server.stop();

    // The refused sign-in is on the record with where it came from; a login that is nobody's
    // (it might be a password typed in the wrong field) is not written down.
    {
        use hangar_store::Store;
        let store = hangar_store::EmbeddedStore::open(&dir).unwrap();
        let last = store.counts().unwrap().events;
        let refusals: Vec<(String, String)> = store
            .events(1, last)
            .unwrap()
            .into_iter()
            .filter_map(|r| match r.event.detail {
                hangar_model::Detail::Denied {
                    query, why, peer, ..
                } if query == "POST /api/login" => Some((why, peer)),
                _ => None,
            })
            .collect();
        assert!(
            refusals
                .iter()
                .any(|(why, peer)| why == "sign-in as ada: wrong password" && peer == "127.0.0.1"),
            "{refusals:?}"
        );
    }

    // The log verifies, with every one of those acts in it.
    let key = format!("{d}/keys/log.pub");
    let out = run(
        &file("x"),
        nowhere,
        &["audit", "verify", "--log", d, "--key", &key],
        "",
    );
    assert!(ok(&out).starts_with("OK"));
}
