//! Outer and inner attributes and visibility survive the expansion.

#[curio::main]
#[allow(unused_variables)]
pub async fn main() {
    #![allow(unused_mut)]
    let mut unused = 1;
}
