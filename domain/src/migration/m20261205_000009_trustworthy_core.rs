//! Throttling that a race or a typo cannot slip past, and what the reported-access and
//! second-factor fixes need:
//!
//! - `throttle`: one counter per address and scope, per account, or per unknown
//!   identifier, keyed by a keyed digest and changed by compare-and-set; replaces
//!   `sign_in_attempt` (rows kept for a day, nothing to carry over).
//! - `password_renewal` goes: a report no longer hands out a renewal link.
//! - `sign_in_challenge` loses `identifier_hash`: wrong codes count against the account.
//! - `second_factor` gains the session an enrolment belongs to, and the wrong-code count and
//!   lock.
//! - `form_draft` gains the session a signed-in draft belongs to (purged at Exit).
//! - The acceptance records' only allowed update (the pseudonymization of a deletion) may
//!   not change the text's hash either.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Throttle {
    Table,
    Key,
    Scope,
    AccountId,
    Count,
    WindowStart,
    LastAt,
    Version,
}

#[derive(DeriveIden)]
enum SignInAttempt {
    Table,
    Id,
    Kind,
    IdentifierHash,
    Address,
    Succeeded,
    AttemptedAt,
}

#[derive(DeriveIden)]
enum PasswordRenewal {
    Table,
    Id,
    AccountId,
    TokenHash,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum SignInChallenge {
    Table,
    IdentifierHash,
}

#[derive(DeriveIden)]
enum SecondFactor {
    Table,
    SessionId,
    FailedCodes,
    LockedUntil,
}

#[derive(DeriveIden)]
enum FormDraft {
    Table,
    SessionId,
}

/// The condition under which an update of an acceptance record is the pseudonymization.
const PSEUDONYMIZING: &str = "NEW.subject LIKE 'p-%' AND OLD.subject NOT LIKE 'p-%' \
     AND NEW.address = '' AND NEW.user_agent = '' AND NEW.id = OLD.id AND NEW.kind = OLD.kind \
     AND NEW.agreement_version = OLD.agreement_version AND NEW.language = OLD.language \
     AND NEW.wording = OLD.wording AND NEW.recorded_at = OLD.recorded_at \
     AND NEW.text_sha256 = OLD.text_sha256";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Throttle::Table)
                    .col(string_len(Throttle::Key, 64).primary_key())
                    .col(string_len(Throttle::Scope, 16))
                    .col(big_integer_null(Throttle::AccountId))
                    .col(integer(Throttle::Count))
                    .col(timestamp_with_time_zone(Throttle::WindowStart))
                    .col(timestamp_with_time_zone(Throttle::LastAt))
                    .col(big_integer(Throttle::Version))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("throttle_account", Throttle::AccountId),
            ("throttle_last_at", Throttle::LastAt),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Throttle::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            SignInAttempt::Table.into_iden(),
            PasswordRenewal::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(SignInChallenge::Table)
                    .drop_column(SignInChallenge::IdentifierHash)
                    .to_owned(),
            )
            .await?;
        // SQLite adds one column per ALTER TABLE.
        for column in [
            big_integer_null(SecondFactor::SessionId),
            integer(SecondFactor::FailedCodes).default(0).to_owned(),
            timestamp_with_time_zone_null(SecondFactor::LockedUntil),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SecondFactor::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(FormDraft::Table)
                    .add_column(big_integer_null(FormDraft::SessionId))
                    .to_owned(),
            )
            .await?;
        replace_acceptance_trigger(manager, PSEUDONYMIZING).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace_acceptance_trigger(
            manager,
            &PSEUDONYMIZING.replace(
                " \
     AND NEW.text_sha256 = OLD.text_sha256",
                "",
            ),
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(FormDraft::Table)
                    .drop_column(FormDraft::SessionId)
                    .to_owned(),
            )
            .await?;
        for column in [
            SecondFactor::SessionId,
            SecondFactor::FailedCodes,
            SecondFactor::LockedUntil,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(SecondFactor::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(SignInChallenge::Table)
                    .add_column(string_len(SignInChallenge::IdentifierHash, 64).default(""))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PasswordRenewal::Table)
                    .col(
                        big_integer(PasswordRenewal::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(big_integer(PasswordRenewal::AccountId))
                    .col(string_len(PasswordRenewal::TokenHash, 64).unique_key())
                    .col(timestamp_with_time_zone(PasswordRenewal::CreatedAt))
                    .col(timestamp_with_time_zone(PasswordRenewal::ExpiresAt))
                    .col(timestamp_with_time_zone_null(PasswordRenewal::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInAttempt::Table)
                    .col(
                        big_integer(SignInAttempt::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(string_len(SignInAttempt::Kind, 16))
                    .col(string_len_null(SignInAttempt::IdentifierHash, 64))
                    .col(string_len(SignInAttempt::Address, 64))
                    .col(boolean(SignInAttempt::Succeeded))
                    .col(timestamp_with_time_zone(SignInAttempt::AttemptedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(Throttle::Table).to_owned())
            .await
    }
}

/// The acceptance records refuse every update but the one `allowed` describes, and every
/// delete (the delete trigger is unchanged).
async fn replace_acceptance_trigger(
    manager: &SchemaManager<'_>,
    allowed: &str,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION forbid_acceptance_record_change() RETURNS trigger AS $$ \
                 BEGIN \
                 IF TG_OP = 'UPDATE' AND {allowed} THEN RETURN NEW; END IF; \
                 RAISE EXCEPTION 'acceptance records are append-only'; END; \
                 $$ LANGUAGE plpgsql"
            ))
            .await?;
        }
        _ => {
            db.execute_unprepared("DROP TRIGGER acceptance_record_no_update")
                .await?;
            db.execute_unprepared(&format!(
                "CREATE TRIGGER acceptance_record_no_update BEFORE UPDATE ON acceptance_record \
                 WHEN NOT ({allowed}) \
                 BEGIN SELECT RAISE(ABORT, 'acceptance records are append-only'); END"
            ))
            .await?;
        }
    }
    Ok(())
}
