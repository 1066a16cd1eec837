//! The device flow's saved document: written from the typed flow, read back with
//! every URL checked again and each state's data required.

use super::{Device, Grant, State};
use crate::action::DeviceCode;
use crate::error::Error;
use crate::family::{need, Head};
use crate::input;
use crate::json::{opt_s, s, Value};
use crate::secret::Secret;
use alloc::string::String;
use alloc::vec::Vec;

impl Device {
    /// The saved document (see the module docs), without its check.
    pub fn document(&self) -> Value {
        let (device_url, token_url) = match &self.endpoints {
            Some((d, t)) => (Some(d.as_str()), Some(t.as_str())),
            None => (None, None),
        };
        let mut members = alloc::vec![
            ("deviceUrl", opt_s(device_url)),
            ("tokenUrl", opt_s(token_url)),
            ("metadataUrl", opt_s(self.metadata_url.as_deref())),
            ("clientId", s(&self.client_id)),
            ("scope", opt_s(self.scope.as_deref())),
            ("resource", opt_s(self.resource.as_deref())),
            ("phase", s(self.state.name())),
        ];
        if !self.options.is_empty() {
            members.push(("options", Value::Obj(self.options.clone())));
        }
        match &self.state {
            State::Pending(g) | State::Polling(g) => {
                let c = &g.code;
                members.extend([
                    ("deviceCode", s(&g.device_code)),
                    ("userCode", s(&c.user_code)),
                    ("verificationUri", s(&c.verification_uri)),
                    (
                        "verificationUriComplete",
                        opt_s(c.verification_uri_complete.as_deref()),
                    ),
                    ("expiresAt", Value::Int(c.expires_at)),
                    ("interval", Value::Int(c.interval)),
                    ("nextPollAt", Value::Int(c.next_poll_at)),
                ]);
            }
            // Kept only while the mint is in flight (the driver saves the flow after it).
            State::Minting(token) => members.push(("accessToken", s(token.expose()))),
            _ => {}
        }
        self.head.document("device", members)
    }

    /// A saved device flow, its check verified.
    pub fn resume(saved: &Value) -> Result<Device, Error> {
        let (head, doc) = Head::resume(saved, "device")?;
        let url = |k: &str| -> Result<Option<String>, Error> {
            doc.str_at(k)
                .map(|u| input::endpoint_url(u, head.insecure).map_err(|_| Error::bad_saved(k)))
                .transpose()
        };
        let endpoints = match (url("deviceUrl")?, url("tokenUrl")?) {
            (Some(d), Some(t)) => Some((d, t)),
            _ => None,
        };
        let metadata_url = url("metadataUrl")?;
        if endpoints.is_none() && metadata_url.is_none() {
            return Err(Error::bad_saved("tokenUrl"));
        }
        let int = |k: &str| doc.int_at(k).ok_or_else(|| Error::bad_saved(k));
        let grant = || -> Result<Grant, Error> {
            Ok(Grant {
                device_code: String::from(need(&doc, "deviceCode")?),
                code: DeviceCode {
                    user_code: String::from(need(&doc, "userCode")?),
                    verification_uri: String::from(need(&doc, "verificationUri")?),
                    verification_uri_complete: doc
                        .str_at("verificationUriComplete")
                        .map(String::from),
                    expires_at: int("expiresAt")?,
                    interval: int("interval")?,
                    next_poll_at: int("nextPollAt")?,
                },
            })
        };
        let state = match need(&doc, "phase")? {
            "ready" => State::Ready,
            "discovering" => State::Discovering,
            "requesting" => State::Requesting,
            "pending" => State::Pending(grant()?),
            "polling" => State::Polling(grant()?),
            "minting" => State::Minting(Secret::new(need(&doc, "accessToken")?)),
            "denied" => State::Denied,
            "expired" => State::Expired,
            "done" => State::Done,
            _ => return Err(Error::bad_saved("phase")),
        };
        Ok(Device {
            endpoints,
            metadata_url,
            client_id: String::from(need(&doc, "clientId")?),
            scope: doc.str_at("scope").map(String::from),
            resource: doc.str_at("resource").map(String::from),
            options: match doc.get("options") {
                Some(Value::Obj(m)) => m.clone(),
                _ => Vec::new(),
            },
            state,
            head,
        })
    }
}
