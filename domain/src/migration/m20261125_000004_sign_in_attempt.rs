//! The `sign_in_attempt` table behind per-account and per-address throttling.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

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

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
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
        for (name, column) in [
            ("sign_in_attempt_identifier", SignInAttempt::IdentifierHash),
            ("sign_in_attempt_address", SignInAttempt::Address),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(SignInAttempt::Table)
                        .col(column)
                        .col(SignInAttempt::AttemptedAt)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(SignInAttempt::Table).to_owned())
            .await
    }
}
