//! What the performance issue's scale run found (scripts/perf_scale.py, 10 million events):
//! the history filtered by group counted and paged through every one of the account's events
//! in the table, because the index had no `kind`. `account_event_kind` covers the account's
//! events by id with their kind, so a filtered count is an index-only scan (5,029 buffers ->
//! 47 on PostgreSQL); it replaces `account_event_account`, whose columns it starts with.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AccountEvent {
    Table,
    AccountId,
    Id,
    Kind,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("account_event_kind")
                    .table(AccountEvent::Table)
                    .col(AccountEvent::AccountId)
                    .col(AccountEvent::Id)
                    .col(AccountEvent::Kind)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("account_event_account")
                    .table(AccountEvent::Table)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("account_event_account")
                    .table(AccountEvent::Table)
                    .col(AccountEvent::AccountId)
                    .col(AccountEvent::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("account_event_kind")
                    .table(AccountEvent::Table)
                    .to_owned(),
            )
            .await
    }
}
