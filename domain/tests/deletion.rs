//! Deleting an account against real databases: everything personal goes (searched for in
//! every column of every table and in every stored file), the retained records carry only
//! a pseudonym, the owner must confirm with the password (and the code), the PIN can
//! register again, and the operator's deletion is the same service.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use chrono::{Duration, Utc};
use domain::{
    DatabaseConnection,
    deletion::{self, Confirmation, DeletionError, DeletionProblem, Initiator, RetentionPolicy},
    documents::{self, DocumentLimits, DocumentStore},
    entities::{acceptance_record, account, account_event, file_removal},
    export,
    history::Requester,
    profile::{self, ContactChange},
    registration::{Registration, RegistrationForm, register},
    second_factor, security_report, services,
    sessions::SessionPolicy,
    sign_in::{SignInError, SignInForm, sign_in},
};
use rand::Rng;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, Statement};
use support::{HASHER, PASSWORD, THROTTLE};

/// A string no other part of the test can produce by accident.
fn marker(label: &str) -> String {
    let mut rng = rand::rng();
    let letters: String = (0..12)
        .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
        .collect();
    format!("qz{label}{letters}")
}

fn digits(count: usize) -> String {
    let mut rng = rand::rng();
    (0..count)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

/// Every value of every column of every table, as text, lowercased.
async fn whole_database(db: &DatabaseConnection) -> String {
    let backend = db.get_database_backend();
    let columns_sql = match backend {
        sea_orm::DatabaseBackend::Sqlite => {
            "SELECT m.name AS t, p.name AS c FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table'"
        }
        _ => {
            "SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns \
             WHERE table_schema = current_schema()"
        }
    };
    let columns = db
        .query_all_raw(Statement::from_string(backend, columns_sql))
        .await
        .unwrap();
    assert!(columns.len() > 50, "the schema's columns are listed");
    let mut dump = String::new();
    for column in columns {
        let table: String = column.try_get("", "t").unwrap();
        let name: String = column.try_get("", "c").unwrap();
        let sql = format!("SELECT CAST(\"{name}\" AS TEXT) AS v FROM \"{table}\"");
        for row in db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .unwrap()
        {
            let value: Option<String> = row.try_get("", "v").unwrap();
            dump.push_str(&value.unwrap_or_default());
            dump.push('\n');
        }
    }
    dump.to_lowercase()
}

/// Every file name and file content under `root`, lowercased.
fn whole_file_store(root: &std::path::Path) -> String {
    let mut dump = String::new();
    for path in walkdir(root) {
        dump.push_str(&path.to_string_lossy());
        dump.push('\n');
        dump.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
    }
    dump.to_lowercase()
}

/// Every file (not directory) under `root`.
fn walkdir(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
}

/// A person with a marker in everything they can type or send.
struct Person {
    pin: String,
    name: String,
    email: String,
    new_email: String,
    phone_digits: String,
    file_name: String,
    file_text: String,
    description: String,
    agent: String,
    address: String,
}

impl Person {
    fn new() -> Self {
        Self {
            pin: format!("215031990{}", digits(5)),
            name: marker("name"),
            email: format!("{}@example.org", marker("mail")),
            new_email: format!("{}@example.org", marker("newmail")),
            phone_digits: format!("55{}", digits(7)),
            file_name: format!("{}.pdf", marker("file")),
            file_text: marker("content"),
            description: marker("report"),
            agent: format!("Mozilla/5.0 {}", marker("agent")),
            address: format!("2001:db8::{}", digits(4)),
        }
    }

    fn markers(&self) -> Vec<String> {
        vec![
            self.pin.clone(),
            self.name.clone(),
            self.email.clone(),
            self.new_email.clone(),
            self.phone_digits.clone(),
            self.file_name.clone(),
            self.file_text.clone(),
            self.description.clone(),
            self.agent.to_lowercase(),
            self.address.clone(),
        ]
    }

    fn requester(&self, account_id: i64) -> Requester<'_> {
        Requester {
            account_id,
            address: &self.address,
            user_agent: &self.agent,
        }
    }
}

/// Registers `person` and uses every feature of the cabinet with their markers. Returns the
/// account id and the recovery codes of the second factor it turns on.
async fn lived_in(
    db: &DatabaseConnection,
    store: &DocumentStore,
    person: &Person,
) -> (i64, Vec<String>) {
    let form = RegistrationForm {
        kind: "individual".into(),
        pin: person.pin.clone(),
        full_name: person.name.clone(),
        email: person.email.clone(),
        password: PASSWORD.into(),
        accepts_agreement: true,
        consents_to_personal_data: true,
        agreement_version_shown: 1,
        language: "ru".into(),
        address: person.address.clone(),
        user_agent: person.agent.clone(),
        ..Default::default()
    };
    let Registration::Created(registered) = register(db, &HASHER, &form, Utc::now()).await.unwrap()
    else {
        panic!("a new account")
    };
    let id = registered.account_id;
    let now = Utc::now();
    let sign_in_form = |password: &str| SignInForm {
        identifier: person.pin.clone(),
        password: password.into(),
        address: person.address.clone(),
        user_agent: person.agent.clone(),
    };
    let wrong = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &sign_in_form("not the password"),
        now,
        SessionPolicy::default(),
    )
    .await;
    assert!(matches!(wrong, Err(SignInError::InvalidCredentials)));
    let session = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &sign_in_form(PASSWORD),
        now,
        SessionPolicy::default(),
    )
    .await
    .unwrap()
    .signed_in()
    .unwrap()
    .session;
    profile::change_contacts(
        db,
        &HASHER,
        &THROTTLE,
        &ContactChange {
            account_id: id,
            session_id: session.session_id,
            email: &person.new_email,
            phone: &format!("+996{}", person.phone_digits),
            current_password: PASSWORD,
            address: &person.address,
            user_agent: &person.agent,
        },
        now,
    )
    .await
    .unwrap();
    let mut upload = store.begin().await.unwrap();
    upload
        .write(format!("%PDF-1.7\n% {}\n%%EOF\n", person.file_text).as_bytes())
        .await
        .unwrap();
    documents::store(
        db,
        store,
        upload,
        person.requester(id),
        &person.file_name,
        now,
    )
    .await
    .unwrap();
    domain::inbox::password_changed(db, id, now).await.unwrap();
    services::record_use(db, id, "residence-certificate", now)
        .await
        .unwrap()
        .unwrap();
    services::set_terminated(db, person.requester(id), "residence-certificate", true, now)
        .await
        .unwrap();
    export::export(db, store, person.requester(id), now)
        .await
        .unwrap();
    let enrolment = second_factor::start_enrolment(db, id, session.session_id, now)
        .await
        .unwrap();
    let code = second_factor::current_code(&enrolment.secret, now).unwrap();
    let recovery = second_factor::confirm_enrolment(
        db,
        &HASHER,
        &THROTTLE,
        &second_factor::enrolment::Proof {
            account_id: id,
            session_id: session.session_id,
            password: PASSWORD,
            code: &code,
            address: &person.address,
            user_agent: &person.agent,
        },
        now,
    )
    .await
    .unwrap();
    security_report::report(
        db,
        &security_report::Report {
            account_id: id,
            description: &person.description,
            flagged: Vec::new(),
            address: &person.address,
            user_agent: &person.agent,
        },
        now,
    )
    .await
    .unwrap();
    (id, recovery)
}

fn confirmation<'a>(account_id: i64, password: &'a str, code: &'a str) -> Confirmation<'a> {
    Confirmation {
        account_id,
        // No session of these accounts is asked to end, but in `the_owner_must_confirm`.
        session_id: 0,
        password,
        code,
        confirmed: true,
        address: "192.0.2.10",
        user_agent: "Firefox",
    }
}

async fn nothing_personal_remains_anywhere(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), DocumentLimits::default());
    let leaving = Person::new();
    let staying = Person::new();
    let (id, recovery) = lived_in(db, &store, &leaving).await;
    lived_in(db, &store, &staying).await;
    let database = whole_database(db).await;
    let files = whole_file_store(dir.path());
    // The first email was replaced by the new one; everything else is stored now. Without
    // this, the search below could pass by looking nowhere.
    for marker in leaving
        .markers()
        .into_iter()
        .filter(|m| *m != leaving.email)
    {
        assert!(
            database.contains(&marker) || files.contains(&marker),
            "{marker} was stored before the deletion"
        );
    }
    let subject = account::Entity::find_by_id(id)
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .subject;

    let deleted = try_delete(db, &store, &confirmation(id, PASSWORD, &recovery[0]))
        .await
        .unwrap();

    let database = whole_database(db).await;
    let files = whole_file_store(dir.path());
    for marker in leaving.markers().into_iter().chain([subject.clone()]) {
        assert!(
            !database.contains(&marker),
            "{marker} is still in the database"
        );
        assert!(
            !files.contains(&marker),
            "{marker} is still in the file store"
        );
    }
    for marker in staying
        .markers()
        .into_iter()
        .filter(|m| *m != staying.email)
    {
        assert!(
            database.contains(&marker) || files.contains(&marker),
            "the other account's {marker} is untouched"
        );
    }

    let receipt = &deleted.receipt;
    assert!(receipt.reference.starts_with("DEL-"));
    // A random pseudonym: nothing the portal held about the person leads to it.
    assert!(receipt.pseudonym.starts_with("p-") && receipt.pseudonym.len() == 34);
    assert!(!receipt.pseudonym.contains(&subject));
    assert_eq!(receipt.erased.documents, 1);
    assert!(receipt.erased.document_bytes > 0);
    assert!(receipt.erased.second_factor);
    assert_eq!(receipt.erased.recovery_codes, 10);
    assert_eq!(
        receipt.erased.service_links, 2,
        "the cabinet and the certificate"
    );
    assert!(receipt.erased.messages >= 1);
    assert_eq!(receipt.kept.acceptance_records, 2, "agreement and consent");
    assert!(receipt.kept.history_events >= 8);
    assert_eq!(receipt.kept.incidents, 1);
    assert_eq!(
        acceptance_record::Entity::find()
            .filter(acceptance_record::Column::Subject.eq(&receipt.pseudonym))
            .count(db)
            .await
            .unwrap(),
        2
    );
    let retained = account_event::Entity::find()
        .filter(account_event::Column::Pseudonym.eq(&receipt.pseudonym))
        .all(db)
        .await
        .unwrap();
    assert_eq!(retained.len() as u64, receipt.kept.history_events + 1);
    assert!(retained.iter().all(|event| event.account_id == 0));
    assert!(retained.iter().any(|event| event.kind == "account_deleted"));
    assert_eq!(
        file_removal::Entity::find().count(db).await.unwrap(),
        0,
        "the removal queue is empty once the files are gone"
    );

    let shown = deletion::receipt_by_token(db, deleted.token.as_deref().unwrap(), Utc::now())
        .await
        .unwrap();
    assert_eq!(shown.as_ref(), Some(receipt));
    let later = Utc::now() + deletion::RECEIPT_VIEWABLE + Duration::minutes(1);
    assert_eq!(
        deletion::receipt_by_token(db, deleted.token.as_deref().unwrap(), later)
            .await
            .unwrap(),
        None,
        "the receipt link stops working"
    );
}
on_both_databases!(
    nothing_personal_remains_anywhere_after_deletion,
    nothing_personal_remains_anywhere
);

async fn the_pin_registers_again_and_sees_nothing_old(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), DocumentLimits::default());
    let person = Person::new();
    let (id, recovery) = lived_in(db, &store, &person).await;
    try_delete(db, &store, &confirmation(id, PASSWORD, &recovery[1]))
        .await
        .unwrap();

    let old = sign_in(
        db,
        &HASHER,
        &THROTTLE,
        &SignInForm {
            identifier: person.pin.clone(),
            password: PASSWORD.into(),
            address: "192.0.2.1".into(),
            user_agent: "x".into(),
        },
        Utc::now(),
        SessionPolicy::default(),
    )
    .await;
    assert!(
        matches!(old, Err(SignInError::InvalidCredentials)),
        "{old:?}"
    );

    let again = support::registered(db, &person.pin, &person.email, "Firefox").await;
    assert_ne!(again, id);
    let history = domain::history::page(db, again, None, 1, 100)
        .await
        .unwrap();
    assert!(
        history
            .events
            .iter()
            .all(|event| event.kind != "signed_in" && event.kind != "report"),
        "only the new account's own registration: {:?}",
        history.events
    );
    assert_eq!(history.events.len(), 1);
    assert_eq!(documents::list(db, again).await.unwrap().len(), 0);
    assert_eq!(domain::inbox::unread_count(db, again).await.unwrap(), 0);
    assert_eq!(
        domain::agreement::records_of(db, again)
            .await
            .unwrap()
            .len(),
        2,
        "only the new registration's acceptance and consent"
    );
}
on_both_databases!(
    the_same_pin_registers_again_as_a_new_account,
    the_pin_registers_again_and_sees_nothing_old
);

/// The owner's deletion with `confirmation`, now, from an address without a limit.
async fn try_delete(
    db: &DatabaseConnection,
    store: &DocumentStore,
    confirmation: &Confirmation<'_>,
) -> Result<deletion::Deleted, DeletionError> {
    let policy = RetentionPolicy::default();
    deletion::delete_own_account(
        db,
        &HASHER,
        &THROTTLE,
        store,
        confirmation,
        &policy,
        Utc::now(),
    )
    .await
}

async fn the_owner_must_confirm(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), DocumentLimits::default());
    let id = support::registered(db, "21503199000123", "bakyt@mail.kg", "Firefox").await;
    // The owner's session, which asks every time.
    let session = domain::sessions::start_session(
        db,
        id,
        "a",
        "Firefox",
        Utc::now(),
        SessionPolicy::default(),
    )
    .await
    .unwrap();
    let attempt = |password: &'static str, code: &'static str, confirmed: bool| Confirmation {
        confirmed,
        session_id: session.session_id,
        ..confirmation(id, password, code)
    };
    let refused = |result: Result<deletion::Deleted, DeletionError>| match result {
        Err(DeletionError::Invalid(problems)) => problems,
        other => panic!("expected a refusal, got {other:?}"),
    };
    let now = Utc::now();
    use DeletionProblem as P;
    assert_eq!(
        refused(try_delete(db, &store, &attempt("", "", false)).await),
        vec![P::PasswordMissing, P::NotConfirmed]
    );
    assert_eq!(
        refused(try_delete(db, &store, &attempt("wrong password", "", false)).await),
        vec![P::PasswordWrong, P::NotConfirmed],
        "in the order of the form"
    );
    assert_eq!(
        refused(try_delete(db, &store, &attempt(PASSWORD, "", false)).await),
        vec![P::NotConfirmed]
    );
    assert!(
        account::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .is_some()
    );

    // With a second factor the code is required too.
    support::two_step_on(db, id, now).await;
    assert_eq!(
        refused(try_delete(db, &store, &attempt(PASSWORD, "", true)).await),
        vec![P::CodeMissing]
    );
    assert_eq!(
        refused(try_delete(db, &store, &attempt(PASSWORD, "000000", true)).await),
        vec![P::CodeWrong]
    );
    // Wrong answers count against the account like failed sign-ins, and against the session
    // that gave them: it has given two (the wrong password, the wrong code); the fifth ends it.
    for _ in 0..2 {
        refused(try_delete(db, &store, &attempt("wrong password", "", true)).await);
    }
    let ended = try_delete(db, &store, &attempt("wrong password", "", true)).await;
    assert!(
        matches!(ended, Err(DeletionError::SessionEnded)),
        "{ended:?}"
    );
    assert_eq!(
        domain::sessions::authenticate(db, &session.token, Utc::now(), SessionPolicy::default())
            .await
            .unwrap(),
        Err(domain::sessions::SessionEnd::Revoked)
    );
    // The account has five failures in a row now (turning two-step verification on forgave
    // the first wrong password): the next attempt, from any session, must wait.
    let elsewhere = domain::sessions::start_session(
        db,
        id,
        "b",
        "Firefox",
        Utc::now(),
        SessionPolicy::default(),
    )
    .await
    .unwrap();
    let attempt = |password: &'static str, code: &'static str, confirmed: bool| Confirmation {
        confirmed,
        session_id: elsewhere.session_id,
        ..confirmation(id, password, code)
    };
    refused(try_delete(db, &store, &attempt("wrong password", "", true)).await);
    let throttled = try_delete(db, &store, &attempt(PASSWORD, "000000", true)).await;
    assert!(
        matches!(throttled, Err(DeletionError::Throttled(_))),
        "{throttled:?}"
    );
    assert!(
        account::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .is_some()
    );
}
on_both_databases!(
    deletion_needs_the_password_the_code_and_the_final_box,
    the_owner_must_confirm
);

async fn the_operator_deletes_with_the_same_service(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), DocumentLimits::default());
    let id = support::registered(db, "21503199000123", "bakyt@mail.kg", "Firefox").await;
    // An operator's earlier action, with a reason naming the person.
    domain::history::record(
        db,
        domain::history::NewEvent {
            actor: domain::history::Actor::Operator,
            reason: Some("blocked after a call from Bakyt Asanov"),
            ..domain::history::NewEvent::by_user(
                id,
                domain::history::EventKind::OperatorBlocked,
                "",
                "",
                Utc::now(),
            )
        },
    )
    .await
    .unwrap();
    let deleted = deletion::erase(
        db,
        &store,
        id,
        Initiator::Operator {
            reason: "court order 12/2026",
        },
        &RetentionPolicy::default(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        deleted.token, None,
        "nobody is there to be shown the receipt"
    );
    assert_eq!(deleted.receipt.initiator, "operator");
    assert_eq!(
        deleted.receipt.reason.as_deref(),
        Some("court order 12/2026")
    );
    let found = deletion::receipt_by_reference(db, &deleted.receipt.reference)
        .await
        .unwrap();
    assert_eq!(found, Some(deleted.receipt.clone()));
    let event = account_event::Entity::find()
        .filter(account_event::Column::Kind.eq("account_deleted"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(event.actor, "operator");
    assert_eq!(
        event.reason, None,
        "free text stays with the receipt the operator keeps, not in the retained history"
    );
    let earlier = account_event::Entity::find()
        .filter(account_event::Column::Kind.eq("operator_blocked"))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(earlier.account_id, 0);
    assert_eq!(earlier.reason, None, "an earlier reason is erased too");
    assert!(matches!(
        deletion::erase(
            db,
            &store,
            id,
            Initiator::User,
            &RetentionPolicy::default(),
            Utc::now()
        )
        .await,
        Err(DeletionError::NoAccount)
    ));
}
on_both_databases!(
    an_operator_deletion_is_the_same_service,
    the_operator_deletes_with_the_same_service
);

async fn queued_removals_finish_at_start_up(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), DocumentLimits::default());
    store.prepare().await.unwrap();
    std::fs::write(store.path_of("left-by-a-crash"), b"%PDF-").unwrap();
    file_removal::Entity::insert(file_removal::ActiveModel {
        stored_name: sea_orm::ActiveValue::Set("left-by-a-crash".into()),
        queued_at: sea_orm::ActiveValue::Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    // Also queued, already gone: the removal is idempotent.
    file_removal::Entity::insert(file_removal::ActiveModel {
        stored_name: sea_orm::ActiveValue::Set("already-gone".into()),
        queued_at: sea_orm::ActiveValue::Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await
    .unwrap();
    assert_eq!(deletion::finish_file_removals(db, &store).await.unwrap(), 2);
    assert!(!store.path_of("left-by-a-crash").exists());
    assert_eq!(file_removal::Entity::find().count(db).await.unwrap(), 0);
}
on_both_databases!(
    removals_a_crash_left_queued_finish_at_start_up,
    queued_removals_finish_at_start_up
);

async fn an_upload_finishing_after_the_deletion_is_refused(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), DocumentLimits::default());
    let id = support::registered(db, "21503199000123", "bakyt@mail.kg", "Firefox").await;
    let mut upload = store.begin().await.unwrap();
    upload.write(b"%PDF-1.7\n%%EOF\n").await.unwrap();
    deletion::erase(
        db,
        &store,
        id,
        Initiator::User,
        &RetentionPolicy::default(),
        Utc::now(),
    )
    .await
    .unwrap();
    let owner = Requester {
        account_id: id,
        address: "a",
        user_agent: "b",
    };
    let late = documents::store(db, &store, upload, owner, "late.pdf", Utc::now()).await;
    assert!(
        matches!(late, Err(documents::UploadError::NoAccount)),
        "{late:?}"
    );
    assert_eq!(documents::list(db, id).await.unwrap().len(), 0);
    let files = walkdir(dir.path());
    assert!(
        files.is_empty(),
        "the upload's file went with it: {files:?}"
    );
}
on_both_databases!(
    an_upload_in_flight_never_lands_in_a_deleted_account,
    an_upload_finishing_after_the_deletion_is_refused
);

async fn a_form_without_its_final_tick_spends_no_code(db: &DatabaseConnection) {
    let dir = tempfile::tempdir().unwrap();
    let store = DocumentStore::new(dir.path(), DocumentLimits::default());
    let id = support::registered(db, "21503199000123", "bakyt@mail.kg", "Firefox").await;
    let (_, recovery) = support::two_step_on(db, id, Utc::now()).await;
    let unticked = Confirmation {
        confirmed: false,
        ..confirmation(id, PASSWORD, &recovery[0])
    };
    assert!(matches!(
        try_delete(db, &store, &unticked).await,
        Err(DeletionError::Invalid(problems)) if problems == vec![DeletionProblem::NotConfirmed]
    ));
    // The same recovery code still works once the box is ticked.
    try_delete(db, &store, &confirmation(id, PASSWORD, &recovery[0]))
        .await
        .unwrap();
    assert!(
        account::Entity::find_by_id(id)
            .one(db)
            .await
            .unwrap()
            .is_none()
    );
}
on_both_databases!(
    a_recovery_code_is_not_used_up_by_an_unticked_form,
    a_form_without_its_final_tick_spends_no_code
);

/// Whether `needle` occurs anywhere in the bytes of the files under `root`.
fn in_the_bytes(root: &std::path::Path, needle: &str) -> Vec<std::path::PathBuf> {
    walkdir(root)
        .into_iter()
        .filter(|path| {
            std::fs::read(path).is_ok_and(|bytes| {
                bytes
                    .windows(needle.len())
                    .any(|window| window == needle.as_bytes())
            })
        })
        .collect()
}

#[tokio::test]
async fn a_deleted_persons_text_is_gone_from_the_sqlite_files_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let files_dir = tempfile::tempdir().unwrap();
    let db = domain::database::open_and_migrate(&domain::database::default_sqlite_url(dir.path()))
        .await
        .unwrap();
    let store = DocumentStore::new(files_dir.path(), DocumentLimits::default());
    let leaving = Person::new();
    let staying = Person::new();
    let (id, recovery) = lived_in(&db, &store, &leaving).await;
    lived_in(&db, &store, &staying).await;
    // The text is on disk now (in the database file or its write-ahead log).
    for text in [&leaving.name, &leaving.new_email, &leaving.file_name] {
        assert!(
            !in_the_bytes(dir.path(), text).is_empty(),
            "{text} was written"
        );
    }
    try_delete(&db, &store, &confirmation(id, PASSWORD, &recovery[0]))
        .await
        .unwrap();
    for text in [
        &leaving.name,
        &leaving.email,
        &leaving.new_email,
        &leaving.file_name,
        &leaving.description,
    ] {
        assert_eq!(
            in_the_bytes(dir.path(), text),
            Vec::<std::path::PathBuf>::new(),
            "{text} is in no byte of the database's files"
        );
    }
    assert!(
        !in_the_bytes(dir.path(), &staying.name).is_empty(),
        "the other person's data is still there"
    );
}
