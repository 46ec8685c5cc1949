//! Account deletion (product.md §4): the receipt each deletion leaves, the files a committed
//! deletion still has to remove (so a crash between the commit and the removal is finished
//! at the next start-up), and the pseudonym that retained history events carry once their
//! account is gone.
//!
//! Acceptance records stay append-only with one exception, enforced by the database: the
//! pseudonymizing update of a deletion, which replaces the random subject with its
//! pseudonym (`p-…`) once and empties the address and the device, changing nothing else.

use sea_orm::{ConnectionTrait, DbBackend};
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DeletionReceipt {
    Table,
    Id,
    Reference,
    Pseudonym,
    Initiator,
    Reason,
    DeletedAt,
    RetainUntil,
    Erased,
    Kept,
    TokenHash,
    ViewableUntil,
}

#[derive(DeriveIden)]
enum FileRemoval {
    Table,
    StoredName,
    QueuedAt,
}

#[derive(DeriveIden)]
enum AccountEvent {
    Table,
    Pseudonym,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeletionReceipt::Table)
                    .col(
                        big_integer(DeletionReceipt::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(string_len(DeletionReceipt::Reference, 32).unique_key())
                    .col(string_len(DeletionReceipt::Pseudonym, 64))
                    .col(string_len(DeletionReceipt::Initiator, 16))
                    .col(text_null(DeletionReceipt::Reason))
                    .col(timestamp_with_time_zone(DeletionReceipt::DeletedAt))
                    .col(timestamp_with_time_zone(DeletionReceipt::RetainUntil))
                    .col(text(DeletionReceipt::Erased))
                    .col(text(DeletionReceipt::Kept))
                    .col(string_len_null(DeletionReceipt::TokenHash, 64).unique_key())
                    .col(timestamp_with_time_zone_null(
                        DeletionReceipt::ViewableUntil,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FileRemoval::Table)
                    .col(string_len(FileRemoval::StoredName, 128).primary_key())
                    .col(timestamp_with_time_zone(FileRemoval::QueuedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AccountEvent::Table)
                    .add_column(string_len_null(AccountEvent::Pseudonym, 64))
                    .to_owned(),
            )
            .await?;
        allow_only_pseudonymizing_updates(manager).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        forbid_every_update_again(manager).await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AccountEvent::Table)
                    .drop_column(AccountEvent::Pseudonym)
                    .to_owned(),
            )
            .await?;
        for table in [
            FileRemoval::Table.into_iden(),
            DeletionReceipt::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// The condition under which an update of an acceptance record is the pseudonymization.
const PSEUDONYMIZING: &str = "NEW.subject LIKE 'p-%' AND OLD.subject NOT LIKE 'p-%' \
     AND NEW.address = '' AND NEW.user_agent = '' AND NEW.id = OLD.id AND NEW.kind = OLD.kind \
     AND NEW.agreement_version = OLD.agreement_version AND NEW.language = OLD.language \
     AND NEW.wording = OLD.wording AND NEW.recorded_at = OLD.recorded_at";

async fn allow_only_pseudonymizing_updates(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(&format!(
                "CREATE OR REPLACE FUNCTION forbid_acceptance_record_change() RETURNS trigger AS $$ \
                 BEGIN \
                 IF TG_OP = 'UPDATE' AND {PSEUDONYMIZING} THEN RETURN NEW; END IF; \
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
                 WHEN NOT ({PSEUDONYMIZING}) \
                 BEGIN SELECT RAISE(ABORT, 'acceptance records are append-only'); END"
            ))
            .await?;
        }
    }
    Ok(())
}

async fn forbid_every_update_again(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    match manager.get_database_backend() {
        DbBackend::Postgres => {
            db.execute_unprepared(
                "CREATE OR REPLACE FUNCTION forbid_acceptance_record_change() RETURNS trigger AS $$ \
                 BEGIN RAISE EXCEPTION 'acceptance records are append-only'; END; \
                 $$ LANGUAGE plpgsql",
            )
            .await?;
        }
        _ => {
            db.execute_unprepared("DROP TRIGGER acceptance_record_no_update")
                .await?;
            db.execute_unprepared(
                "CREATE TRIGGER acceptance_record_no_update BEFORE UPDATE ON acceptance_record \
                 BEGIN SELECT RAISE(ABORT, 'acceptance records are append-only'); END",
            )
            .await?;
        }
    }
    Ok(())
}
