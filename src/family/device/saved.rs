//! The device flow's saved document: written from the typed flow, read back with
//! every URL checked again and each state's data required.

use super::{Device, Grant, State};
use crate::action::DeviceCode;
use crate::error::Error;
use crate::family::{need, verify, Head};
use crate::input;
use crate::json::{Value, Writer};
use crate::secret::Secret;
use alloc::string::String;
use alloc::vec::Vec;

impl Device {
    /// Writes the saved document (see the module docs) without its check.
    pub fn write(&self, w: &mut Writer) {
        self.head.open(w, "device");
        if let Some((d, t)) = &self.endpoints {
            w.str("deviceUrl", d).str("tokenUrl", t);
        }
        w.opt_str("metadataUrl", self.metadata_url.as_deref())
            .str("clientId", &self.client_id)
            .opt_str("scope", self.scope.as_deref())
            .opt_str("resource", self.resource.as_deref())
            .str("phase", self.state.name());
        if !self.options.is_empty() {
            w.obj("options");
            for (k, v) in &self.options {
                w.value(k, v);
            }
            w.close();
        }
        match &self.state {
            State::Pending(g) | State::Polling(g) => {
                let c = &g.code;
                w.str("deviceCode", g.device_code.expose())
                    .str("userCode", &c.user_code)
                    .str("verificationUri", &c.verification_uri)
                    .opt_str(
                        "verificationUriComplete",
                        c.verification_uri_complete.as_deref(),
                    )
                    .int("expiresAt", c.expires_at)
                    .int("interval", c.interval)
                    .int("nextPollAt", c.next_poll_at);
            }
            // Kept only while the mint is in flight (the driver saves the flow after it).
            State::Minting(token) => {
                w.str("accessToken", token.expose());
            }
            _ => {}
        }
        self.head.close(w);
    }

    /// A saved device flow, its check verified.
    pub fn resume(saved: &Value) -> Result<Device, Error> {
        let head = Head::resume(saved, "device")?;
        let doc = saved;
        let url = |k: &str| -> Result<Option<String>, Error> {
            doc.str_at(k)
                .map(|u| {
                    input::endpoint_url(u, head.insecure).map_err(|_| crate::saved::bad_field(k))
                })
                .transpose()
        };
        let endpoints = match (url("deviceUrl")?, url("tokenUrl")?) {
            (Some(d), Some(t)) => Some((d, t)),
            _ => None,
        };
        let metadata_url = url("metadataUrl")?;
        if endpoints.is_none() && metadata_url.is_none() {
            return Err(crate::saved::bad_field("tokenUrl"));
        }
        let int = |k: &str| doc.int_at(k).ok_or_else(|| crate::saved::bad_field(k));
        let grant = || -> Result<Grant, Error> {
            Ok(Grant {
                device_code: Secret::new(need(doc, "deviceCode")?),
                code: DeviceCode {
                    user_code: String::from(need(doc, "userCode")?),
                    verification_uri: String::from(need(doc, "verificationUri")?),
                    verification_uri_complete: doc
                        .str_at("verificationUriComplete")
                        .map(String::from),
                    expires_at: int("expiresAt")?,
                    interval: int("interval")?,
                    next_poll_at: int("nextPollAt")?,
                },
            })
        };
        let state = match need(doc, "phase")? {
            "ready" => State::Ready,
            "discovering" => State::Discovering,
            "requesting" => State::Requesting,
            "pending" => State::Pending(grant()?),
            "polling" => State::Polling(grant()?),
            "minting" => State::Minting(Secret::new(need(doc, "accessToken")?)),
            "denied" => State::Denied,
            "expired" => State::Expired,
            "done" => State::Done,
            _ => return Err(crate::saved::bad_field("phase")),
        };
        let flow = Device {
            endpoints,
            metadata_url,
            client_id: String::from(need(doc, "clientId")?),
            scope: doc.str_at("scope").map(String::from),
            resource: doc.str_at("resource").map(String::from),
            options: match doc.get("options") {
                Some(Value::Obj(m)) => m.clone(),
                _ => Vec::new(),
            },
            state,
            head,
        };
        verify(flow, saved, "device", Device::write)
    }
}
