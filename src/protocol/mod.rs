//! The protocol edge: the only code that knows the names of ops, events and
//! actions on the wire. It decodes the step input into typed values for the
//! engines and encodes what they answer.

pub mod otp;
