//! SeaORM entities, one file per table. Entities never leave the server: the `app` crate
//! sends its own DTOs over the wire.

pub mod feedback;
pub mod form_draft;
