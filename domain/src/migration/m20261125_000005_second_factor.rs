//! The optional second factor (TOTP): the account's secret, its one-time recovery codes, and
//! the sign-in challenges that wait for a code after a correct password.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SecondFactor {
    Table,
    AccountId,
    Secret,
    CreatedAt,
    ConfirmedAt,
    LastUsedStep,
}

#[derive(DeriveIden)]
enum RecoveryCode {
    Table,
    Id,
    AccountId,
    CodeHash,
    UsedAt,
}

#[derive(DeriveIden)]
enum SignInChallenge {
    Table,
    Id,
    TokenHash,
    AccountId,
    IdentifierHash,
    CreatedAt,
    ExpiresAt,
    FailedAttempts,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SecondFactor::Table)
                    .col(big_integer(SecondFactor::AccountId).primary_key())
                    .col(string_len(SecondFactor::Secret, 64))
                    .col(timestamp_with_time_zone(SecondFactor::CreatedAt))
                    .col(timestamp_with_time_zone_null(SecondFactor::ConfirmedAt))
                    .col(big_integer_null(SecondFactor::LastUsedStep))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RecoveryCode::Table)
                    .col(big_integer(RecoveryCode::Id).auto_increment().primary_key())
                    .col(big_integer(RecoveryCode::AccountId))
                    .col(string_len(RecoveryCode::CodeHash, 64))
                    .col(timestamp_with_time_zone_null(RecoveryCode::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("recovery_code_account")
                    .table(RecoveryCode::Table)
                    .col(RecoveryCode::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SignInChallenge::Table)
                    .col(
                        big_integer(SignInChallenge::Id)
                            .auto_increment()
                            .primary_key(),
                    )
                    .col(string_len(SignInChallenge::TokenHash, 64).unique_key())
                    .col(big_integer(SignInChallenge::AccountId))
                    .col(string_len(SignInChallenge::IdentifierHash, 64))
                    .col(timestamp_with_time_zone(SignInChallenge::CreatedAt))
                    .col(timestamp_with_time_zone(SignInChallenge::ExpiresAt))
                    .col(integer(SignInChallenge::FailedAttempts))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SignInChallenge::Table.into_iden(),
            RecoveryCode::Table.into_iden(),
            SecondFactor::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
