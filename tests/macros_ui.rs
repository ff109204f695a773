//! Compile-time behaviour of `#[curio::main]` and `#[curio::test]`: what they
//! accept, and the errors they give for what they reject.

#[test]
fn macros_ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}
