//! The crate reached through a re-export in a module.

mod rt {
    pub use curio::*;
}

#[rt::main(crate = "crate::rt", workers = 1)]
async fn main() {}
