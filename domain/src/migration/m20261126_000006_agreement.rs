//! The inbox (where new agreement versions are announced) and the project's demonstration
//! agreement. The demo text replaces version 1's placeholder where nobody has accepted that
//! placeholder yet; where someone has, their evidence must keep pointing at the text they
//! saw, so the demo text becomes the next version instead, in force at once.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::{ConnectionTrait, QueryResult},
};

use crate::agreement::{LANGUAGES, document, sha256_hex};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InboxMessage {
    Table,
    Id,
    AccountId,
    Kind,
    Params,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
enum AgreementVersion {
    Table,
    Version,
    EffectiveFrom,
    PublishedAt,
}

#[derive(DeriveIden)]
enum AgreementText {
    Table,
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
    AgreementVersion,
}

/// The demonstration agreement, written for this project in the portal's three languages.
pub const DEMO_TEXTS: [(&str, &str); 3] = [
    ("ky", include_str!("../../agreement/demo/ky.md")),
    ("ru", include_str!("../../agreement/demo/ru.md")),
    ("en", include_str!("../../agreement/demo/en.md")),
];

const DEMO_SUMMARY: [(&str, &str); 3] = [
    (
        "ky",
        "Колдонуучу келишиминин биринчи толук тексти (демонстрациялык).",
    ),
    (
        "ru",
        "Первый полный текст пользовательского соглашения (демонстрационный).",
    ),
    (
        "en",
        "The first full text of the user agreement (a demonstration text).",
    ),
];

fn summary(language: &str) -> &'static str {
    DEMO_SUMMARY
        .iter()
        .find(|(l, _)| *l == language)
        .map_or("", |(_, s)| s)
}

fn single_number(row: Option<QueryResult>) -> Result<i64, DbErr> {
    match row {
        Some(row) => row.try_get_by_index::<i64>(0),
        None => Ok(0),
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InboxMessage::Table)
                    .col(big_integer(InboxMessage::Id).auto_increment().primary_key())
                    .col(big_integer(InboxMessage::AccountId))
                    .col(string_len(InboxMessage::Kind, 64))
                    .col(text(InboxMessage::Params))
                    .col(timestamp_with_time_zone(InboxMessage::CreatedAt))
                    .col(timestamp_with_time_zone_null(InboxMessage::ReadAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("inbox_message_account")
                    .table(InboxMessage::Table)
                    .col(InboxMessage::AccountId)
                    .col(InboxMessage::CreatedAt)
                    .to_owned(),
            )
            .await?;
        install_demo_agreement(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The agreement texts stay: acceptance records may point at them.
        manager
            .drop_table(Table::drop().table(InboxMessage::Table).to_owned())
            .await
    }
}

async fn install_demo_agreement(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let accepted_placeholder = single_number(
        db.query_one(
            &Query::select()
                .expr(Expr::col(AcceptanceRecord::AgreementVersion).count())
                .from(AcceptanceRecord::Table)
                .and_where(Expr::col(AcceptanceRecord::AgreementVersion).eq(1))
                .to_owned(),
        )
        .await?,
    )?;
    let latest = single_number(
        db.query_one(
            &Query::select()
                .expr(
                    Expr::col(AgreementVersion::Version)
                        .max()
                        .cast_as(Alias::new("bigint")),
                )
                .from(AgreementVersion::Table)
                .to_owned(),
        )
        .await?,
    )?;

    let version = if accepted_placeholder == 0 {
        manager
            .exec_stmt(
                Query::delete()
                    .from_table(AgreementText::Table)
                    .and_where(Expr::col(AgreementText::Version).eq(1))
                    .to_owned(),
            )
            .await?;
        1
    } else {
        let version = <i32 as TryFrom<i64>>::try_from(latest + 1).unwrap_or(2);
        let now = chrono::Utc::now();
        manager
            .exec_stmt(
                Query::insert()
                    .into_table(AgreementVersion::Table)
                    .columns([
                        AgreementVersion::Version,
                        AgreementVersion::EffectiveFrom,
                        AgreementVersion::PublishedAt,
                    ])
                    .values_panic([version.into(), now.into(), now.into()])
                    .to_owned(),
            )
            .await?;
        version
    };
    for language in LANGUAGES {
        let raw = DEMO_TEXTS
            .iter()
            .find(|(l, _)| *l == language)
            .map_or("", |(_, text)| text);
        let body = document::normalize(raw);
        let parsed = document::parse(&body)
            .map_err(|problem| DbErr::Custom(format!("demo agreement ({language}): {problem}")))?;
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
                        version.into(),
                        language.into(),
                        parsed.title.into(),
                        body.clone().into(),
                        summary(language).into(),
                        sha256_hex(&body).into(),
                    ])
                    .to_owned(),
            )
            .await?;
    }
    Ok(())
}
