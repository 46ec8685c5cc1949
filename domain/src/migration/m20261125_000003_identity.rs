//! Accounts, sessions, the agreement's versions and texts (with version 1, a short
//! placeholder until the agreement is written), and the append-only acceptance records.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};
use sha2::{Digest, Sha256};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Account {
    Table,
    Id,
    Subject,
    Kind,
    Identifier,
    PersonPin,
    FullName,
    OrganizationName,
    Email,
    Phone,
    PasswordHash,
    Language,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Session {
    Table,
    Id,
    TokenHash,
    AccountId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Address,
    UserAgent,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden)]
enum AgreementVersion {
    Table,
    Id,
    Version,
    EffectiveFrom,
    PublishedAt,
}

#[derive(DeriveIden)]
enum AgreementText {
    Table,
    Id,
    Version,
    Language,
    Title,
    Body,
    Summary,
    Sha256,
}

#[derive(DeriveIden)]
enum AcceptanceRecord {
    Table,
    Id,
    Subject,
    Kind,
    AgreementVersion,
    Language,
    TextSha256,
    Wording,
    RecordedAt,
    Address,
    UserAgent,
}

/// Version 1: a placeholder that says what it is, replaced by the real demo agreement.
const PLACEHOLDER: [(&str, &str, &str); 3] = [
    (
        "ky",
        "Колдонуучу келишими (убактылуу текст)",
        "Бул демонстрациялык порталдын колдонуучу келишиминин убактылуу тексти. Толук текст кийинки версияда жарыяланат.",
    ),
    (
        "ru",
        "Пользовательское соглашение (временный текст)",
        "Это временный текст пользовательского соглашения демонстрационного портала. Полный текст будет опубликован в следующей версии.",
    ),
    (
        "en",
        "User Agreement (placeholder text)",
        "This is the placeholder text of the demonstration portal's user agreement. The full text will be published in the next version.",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Account::Table)
                    .col(big_integer(Account::Id).auto_increment().primary_key())
                    .col(string_len(Account::Subject, 64).unique_key())
                    .col(string_len(Account::Kind, 16))
                    .col(string_len(Account::Identifier, 14))
                    .col(string_len(Account::PersonPin, 14))
                    .col(string_len(Account::FullName, 200))
                    .col(string_len_null(Account::OrganizationName, 300))
                    .col(string_len_null(Account::Email, 254).unique_key())
                    .col(string_len_null(Account::Phone, 16))
                    .col(string_len(Account::PasswordHash, 200))
                    .col(string_len(Account::Language, 8))
                    .col(timestamp_with_time_zone(Account::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("account_kind_identifier")
                    .table(Account::Table)
                    .col(Account::Kind)
                    .col(Account::Identifier)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Session::Table)
                    .col(big_integer(Session::Id).auto_increment().primary_key())
                    .col(string_len(Session::TokenHash, 64).unique_key())
                    .col(big_integer(Session::AccountId))
                    .col(timestamp_with_time_zone(Session::CreatedAt))
                    .col(timestamp_with_time_zone(Session::LastSeenAt))
                    .col(timestamp_with_time_zone(Session::ExpiresAt))
                    .col(string_len(Session::Address, 64))
                    .col(text(Session::UserAgent))
                    .col(timestamp_with_time_zone_null(Session::RevokedAt))
                    .col(string_len_null(Session::RevokedReason, 32))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Session::Table, Session::AccountId)
                            .to(Account::Table, Account::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("session_account")
                    .table(Session::Table)
                    .col(Session::AccountId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AgreementVersion::Table)
                    .col(
                        big_integer(AgreementVersion::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(integer(AgreementVersion::Version).unique_key())
                    .col(timestamp_with_time_zone(AgreementVersion::EffectiveFrom))
                    .col(timestamp_with_time_zone(AgreementVersion::PublishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AgreementText::Table)
                    .col(
                        big_integer(AgreementText::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(integer(AgreementText::Version))
                    .col(string_len(AgreementText::Language, 8))
                    .col(string_len(AgreementText::Title, 300))
                    .col(text(AgreementText::Body))
                    .col(text(AgreementText::Summary))
                    .col(string_len(AgreementText::Sha256, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("agreement_text_version_language")
                    .table(AgreementText::Table)
                    .col(AgreementText::Version)
                    .col(AgreementText::Language)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AcceptanceRecord::Table)
                    .col(
                        big_integer(AcceptanceRecord::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(string_len(AcceptanceRecord::Subject, 64))
                    .col(string_len(AcceptanceRecord::Kind, 32))
                    .col(integer(AcceptanceRecord::AgreementVersion))
                    .col(string_len(AcceptanceRecord::Language, 8))
                    .col(string_len(AcceptanceRecord::TextSha256, 64))
                    .col(text(AcceptanceRecord::Wording))
                    .col(timestamp_with_time_zone(AcceptanceRecord::RecordedAt))
                    .col(string_len(AcceptanceRecord::Address, 64))
                    .col(text(AcceptanceRecord::UserAgent))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("acceptance_record_subject")
                    .table(AcceptanceRecord::Table)
                    .col(AcceptanceRecord::Subject)
                    .to_owned(),
            )
            .await?;
        forbid_changes_to_acceptance_records(manager).await?;
        seed_placeholder_agreement(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            AcceptanceRecord::Table.into_iden(),
            AgreementText::Table.into_iden(),
            AgreementVersion::Table.into_iden(),
            Session::Table.into_iden(),
            Account::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS forbid_acceptance_record_change()")
                .await?;
        }
        Ok(())
    }
}

/// Acceptance records are evidence: the database itself refuses to change or delete one.
async fn forbid_changes_to_acceptance_records(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(
                "CREATE FUNCTION forbid_acceptance_record_change() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'acceptance records are append-only'; END; \
                 $$ LANGUAGE plpgsql",
            )
            .await?;
            db.execute_unprepared(
                "CREATE TRIGGER acceptance_record_append_only \
                 BEFORE UPDATE OR DELETE ON acceptance_record \
                 FOR EACH ROW EXECUTE FUNCTION forbid_acceptance_record_change()",
            )
            .await?;
        }
        _ => {
            for event in ["UPDATE", "DELETE"] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER acceptance_record_no_{} BEFORE {event} ON acceptance_record \
                     BEGIN SELECT RAISE(ABORT, 'acceptance records are append-only'); END",
                    event.to_lowercase()
                ))
                .await?;
            }
        }
    }
    Ok(())
}

async fn seed_placeholder_agreement(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    // 2026-01-01T00:00:00Z
    let effective = chrono::DateTime::<chrono::Utc>::from_timestamp(1_767_225_600, 0)
        .ok_or_else(|| DbErr::Custom("the placeholder's date is valid".into()))?;
    manager
        .exec_stmt(
            Query::insert()
                .into_table(AgreementVersion::Table)
                .columns([
                    AgreementVersion::Version,
                    AgreementVersion::EffectiveFrom,
                    AgreementVersion::PublishedAt,
                ])
                .values_panic([1.into(), effective.into(), effective.into()])
                .to_owned(),
        )
        .await?;
    for (language, title, body) in PLACEHOLDER {
        let sha256 = hex::encode(Sha256::digest(body.as_bytes()));
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AgreementText::Table)
                    .columns([
                        AgreementText::Version,
                        AgreementText::Language,
                        AgreementText::Title,
                        AgreementText::Body,
                        AgreementText::Summary,
                        AgreementText::Sha256,
                    ])
                    .values_panic([
                        1.into(),
                        language.into(),
                        title.into(),
                        body.into(),
                        "".into(),
                        sha256.into(),
                    ])
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}
