//! The crate reached under another name.

extern crate curio as my_rt;

#[my_rt::main(crate = "my_rt")]
async fn main() {}
