//! The cabinet's tables: the account's activity history (its own actions and the
//! operator's on it), stored documents, incidents for the operator, and what a report of
//! unauthorized access needs (a flag that the password must be renewed, and one-time
//! renewal links), and the services an account uses (the catalog is shaped for the state
//! services of product.md §7: each has a kind, a provider and names in three languages).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AccountEvent {
    Table,
    Id,
    AccountId,
    Actor,
    Kind,
    Details,
    Reason,
    Address,
    UserAgent,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Document {
    Table,
    Id,
    AccountId,
    StoredName,
    OriginalName,
    MediaType,
    Size,
    Sha256,
    UploadedAt,
    RetainUntil,
}

#[derive(DeriveIden)]
enum Incident {
    Table,
    Id,
    Reference,
    Kind,
    AccountId,
    Details,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Account {
    Table,
    MustRenewPassword,
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
enum Service {
    Table,
    Code,
    Kind,
    Provider,
    NameKy,
    NameRu,
    NameEn,
    Position,
}

#[derive(DeriveIden)]
enum ServiceLink {
    Table,
    Id,
    AccountId,
    ServiceCode,
    FirstUsedAt,
    LastUsedAt,
    TerminatedAt,
}

/// The catalog at first: the portal's own services and two demonstration state services.
const CATALOG: [(&str, &str, &str, &str, &str, &str); 4] = [
    (
        "cabinet",
        "portal",
        "",
        "Жеке кабинет",
        "Личный кабинет",
        "Personal cabinet",
    ),
    (
        "feedback",
        "portal",
        "",
        "Операторго кайрылуу",
        "Обращение к оператору",
        "Contacting the operator",
    ),
    (
        "residence-certificate",
        "state",
        "Мамлекеттик каттоо кызматы (демо)",
        "Жашаган жери тууралуу маалымкат (демо)",
        "Справка о месте жительства (демо)",
        "Certificate of residence (demo)",
    ),
    (
        "tax-statement",
        "state",
        "Мамлекеттик салык кызматы (демо)",
        "Салык декларациясы (демо)",
        "Налоговая декларация (демо)",
        "Tax statement (demo)",
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AccountEvent::Table)
                    .col(big_integer(AccountEvent::Id).auto_increment().primary_key())
                    .col(big_integer(AccountEvent::AccountId))
                    .col(string_len(AccountEvent::Actor, 16))
                    .col(string_len(AccountEvent::Kind, 64))
                    .col(text(AccountEvent::Details))
                    .col(text_null(AccountEvent::Reason))
                    .col(string_len(AccountEvent::Address, 64))
                    .col(string_len(AccountEvent::UserAgent, 512))
                    .col(timestamp_with_time_zone(AccountEvent::CreatedAt))
                    .to_owned(),
            )
            .await?;
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
            .create_table(
                Table::create()
                    .table(Document::Table)
                    .col(big_integer(Document::Id).auto_increment().primary_key())
                    .col(big_integer(Document::AccountId))
                    .col(string_len(Document::StoredName, 64).unique_key())
                    .col(string_len(Document::OriginalName, 255))
                    .col(string_len(Document::MediaType, 128))
                    .col(big_integer(Document::Size))
                    .col(string_len(Document::Sha256, 64))
                    .col(timestamp_with_time_zone(Document::UploadedAt))
                    .col(timestamp_with_time_zone(Document::RetainUntil))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("document_account")
                    .table(Document::Table)
                    .col(Document::AccountId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Incident::Table)
                    .col(big_integer(Incident::Id).auto_increment().primary_key())
                    .col(string_len_null(Incident::Reference, 32).unique_key())
                    .col(string_len(Incident::Kind, 64))
                    .col(big_integer_null(Incident::AccountId))
                    .col(text(Incident::Details))
                    .col(timestamp_with_time_zone(Incident::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Account::Table)
                    .add_column(boolean(Account::MustRenewPassword).default(false))
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
                    .table(Service::Table)
                    .col(string_len(Service::Code, 64).primary_key())
                    .col(string_len(Service::Kind, 16))
                    .col(string_len(Service::Provider, 255))
                    .col(string_len(Service::NameKy, 255))
                    .col(string_len(Service::NameRu, 255))
                    .col(string_len(Service::NameEn, 255))
                    .col(integer(Service::Position))
                    .to_owned(),
            )
            .await?;
        let mut insert = Query::insert()
            .into_table(Service::Table)
            .columns([
                Service::Code,
                Service::Kind,
                Service::Provider,
                Service::NameKy,
                Service::NameRu,
                Service::NameEn,
                Service::Position,
            ])
            .to_owned();
        for (position, (code, kind, provider, ky, ru, en)) in CATALOG.into_iter().enumerate() {
            insert.values_panic([
                code.into(),
                kind.into(),
                provider.into(),
                ky.into(),
                ru.into(),
                en.into(),
                <i32 as TryFrom<usize>>::try_from(position)
                    .unwrap_or_default()
                    .into(),
            ]);
        }
        manager.exec_stmt(insert).await?;
        manager
            .create_table(
                Table::create()
                    .table(ServiceLink::Table)
                    .col(big_integer(ServiceLink::Id).auto_increment().primary_key())
                    .col(big_integer(ServiceLink::AccountId))
                    .col(string_len(ServiceLink::ServiceCode, 64))
                    .col(timestamp_with_time_zone(ServiceLink::FirstUsedAt))
                    .col(timestamp_with_time_zone(ServiceLink::LastUsedAt))
                    .col(timestamp_with_time_zone_null(ServiceLink::TerminatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("service_link_account_service")
                    .table(ServiceLink::Table)
                    .col(ServiceLink::AccountId)
                    .col(ServiceLink::ServiceCode)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Account::Table)
                    .drop_column(Account::MustRenewPassword)
                    .to_owned(),
            )
            .await?;
        for table in [
            ServiceLink::Table.into_iden(),
            Service::Table.into_iden(),
            PasswordRenewal::Table.into_iden(),
            Incident::Table.into_iden(),
            Document::Table.into_iden(),
            AccountEvent::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}
