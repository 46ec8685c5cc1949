//! The `feedback` table: messages sent to the operator through the contact page.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Feedback {
    Table,
    Id,
    Reference,
    Topic,
    Message,
    ReplyEmail,
    Language,
    SubmittedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Feedback::Table)
                    .col(big_integer(Feedback::Id).auto_increment().primary_key())
                    .col(string_len_null(Feedback::Reference, 32).unique_key())
                    .col(string_len(Feedback::Topic, 32))
                    .col(text(Feedback::Message))
                    .col(string_len_null(Feedback::ReplyEmail, 254))
                    .col(string_len(Feedback::Language, 8))
                    .col(timestamp_with_time_zone(Feedback::SubmittedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Feedback::Table).to_owned())
            .await
    }
}
