//! The `form_draft` table: what a no-JavaScript form held when it failed validation.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum FormDraft {
    Table,
    TokenHash,
    Form,
    Payload,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FormDraft::Table)
                    .col(string_len(FormDraft::TokenHash, 64).primary_key())
                    .col(string_len(FormDraft::Form, 64))
                    .col(text(FormDraft::Payload))
                    .col(timestamp_with_time_zone(FormDraft::ExpiresAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("form_draft_expires_at")
                    .table(FormDraft::Table)
                    .col(FormDraft::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FormDraft::Table).to_owned())
            .await
    }
}
