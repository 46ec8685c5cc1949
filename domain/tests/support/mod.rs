//! Throw-away databases for service tests: in-memory SQLite, and a fresh PostgreSQL
//! database per test on the local server (`TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`), both through the real migrations.

#![allow(dead_code, clippy::expect_used, clippy::panic)]

use domain::{DatabaseConnection, database, entities::account};
use sea_orm::{ActiveValue::Set, ConnectionTrait, Database, EntityTrait};

pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

pub async fn sqlite() -> DatabaseConnection {
    database::open_and_migrate("sqlite::memory:")
        .await
        .expect("in-memory SQLite opens and migrates")
}

/// A PostgreSQL database that exists for one test; `drop` it at the end.
pub struct PostgresDb {
    pub db: DatabaseConnection,
    name: String,
}

pub async fn postgres() -> PostgresDb {
    let admin_url = postgres_admin_url();
    let admin = Database::connect(&admin_url)
        .await
        .expect("the local PostgreSQL answers (start it as toolchain.md says)");
    let name = format!("portal_test_{}", uuid::Uuid::new_v4().simple());
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("a test database can be created");
    let (base, _) = admin_url.rsplit_once('/').expect("URL names a database");
    let db = database::open_and_migrate(&format!("{base}/{name}"))
        .await
        .expect("the test database migrates");
    PostgresDb { db, name }
}

impl PostgresDb {
    pub async fn drop(self) {
        let _ = self.db.close().await;
        if let Ok(admin) = Database::connect(&postgres_admin_url()).await {
            let _ = admin
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await;
        }
    }
}

/// Runs one async test body on SQLite and on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test]
            async fn on_sqlite() {
                let db = $crate::support::sqlite().await;
                super::$body(&db).await;
            }

            #[tokio::test]
            async fn on_postgres() {
                let pg = $crate::support::postgres().await;
                super::$body(&pg.db).await;
                pg.drop().await;
            }
        }
    };
}

/// An individual's account with PIN `pin` (subject `subject-<pin>`), created directly.
pub async fn account(db: &DatabaseConnection, pin: &str) -> account::Model {
    let id = account_id(db, pin).await;
    account::Entity::find_by_id(id)
        .one(db)
        .await
        .expect("the account can be read")
        .expect("the account exists")
}

/// The same account, inserted without reading it back: works on older schemas too.
pub async fn account_id(db: &DatabaseConnection, pin: &str) -> i64 {
    account::Entity::insert(account::ActiveModel {
        subject: Set(format!("subject-{pin}")),
        kind: Set("individual".into()),
        identifier: Set(pin.into()),
        person_pin: Set(pin.into()),
        full_name: Set("Test Person".into()),
        password_hash: Set("$argon2id$placeholder".into()),
        language: Set("ru".into()),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    })
    .exec(db)
    .await
    .expect("an account can be created")
    .last_insert_id
}

/// One Argon2 hasher for a test binary's registrations and sign-ins.
pub static HASHER: std::sync::LazyLock<domain::password::PasswordHasher> =
    std::sync::LazyLock::new(|| {
        domain::password::PasswordHasher::with_concurrency(2).expect("the hasher starts")
    });

/// The password of [`registered`] accounts.
pub const PASSWORD: &str = "Ысык-Көл жайы 2026";

/// Registers an individual through the real service (agreement version 1, in Russian) from
/// `203.0.113.1` with the user agent `agent`; returns the account id.
pub async fn registered(db: &DatabaseConnection, pin: &str, email: &str, agent: &str) -> i64 {
    let person = domain::registration::RegistrationForm {
        kind: "individual".into(),
        pin: pin.into(),
        full_name: "Асанов Бакыт".into(),
        email: email.into(),
        password: PASSWORD.into(),
        accepts_agreement: true,
        consents_to_personal_data: true,
        agreement_version_shown: 1,
        language: "ru".into(),
        address: "203.0.113.1".into(),
        user_agent: agent.into(),
        ..Default::default()
    };
    match domain::registration::register(db, &HASHER, &person, chrono::Utc::now())
        .await
        .expect("the registration succeeds")
    {
        domain::registration::Registration::Created(account) => account.account_id,
        domain::registration::Registration::AlreadyExists => {
            panic!("{pin} or {email} was registered already")
        }
    }
}

/// One throttle (a random server key, the default allowance) for a test binary.
pub static THROTTLE: std::sync::LazyLock<domain::throttle::Throttle> =
    std::sync::LazyLock::new(|| {
        domain::throttle::Throttle::new(
            domain::secret::ServerSecret::random(),
            domain::throttle::ADDRESS_LIMIT,
        )
    });

/// Turns two-step verification on for `account_id` (through a session of its own) at
/// `at`; returns the secret and the recovery codes. The code used is at `at - 1 minute`,
/// so codes at `at` are fresh.
pub async fn two_step_on(
    db: &DatabaseConnection,
    account_id: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> (String, Vec<String>) {
    use domain::second_factor;
    let earlier = at - chrono::Duration::minutes(1);
    let session = domain::sessions::start_session(
        db,
        account_id,
        "203.0.113.1",
        "Enrolling",
        earlier,
        domain::sessions::SessionPolicy::default(),
    )
    .await
    .expect("a session starts");
    let enrolment = second_factor::start_enrolment(db, account_id, session.session_id, earlier)
        .await
        .expect("an enrolment starts");
    let code = second_factor::current_code(&enrolment.secret, earlier).expect("a code");
    let codes = second_factor::confirm_enrolment(
        db,
        &HASHER,
        &THROTTLE,
        &second_factor::enrolment::Proof {
            account_id,
            session_id: session.session_id,
            password: PASSWORD,
            code: &code,
            address: "203.0.113.1",
            user_agent: "Enrolling",
        },
        earlier,
    )
    .await
    .expect("two-step verification turns on");
    (enrolment.secret, codes)
}
