//! The device: the first-boot setup (mise en service), the clock an organiser confirms, the
//! settings page, the device key and the registry's address.

use std::sync::Arc;

use urne_core::audit::AuditEvent;
use urne_core::crypto::{Fingerprint, SecretKey};
use urne_core::timestamp::Timestamp;

use super::auth::{self, OrganiserAuth};
use super::{
    Kiosk, KioskError, SETTING_CLOCK_BOOT, SETTING_CLOCK_OFFSET, SETTING_DEFAULT_LANG,
    SETTING_PROVISIONED, SETTING_REGISTRY_KEY, SETTING_REGISTRY_URL, SETTING_VOTER_TIMEOUT,
    SettingProblem, VOTER_TIMEOUT_RANGE,
};
use crate::clock::Clock;

/// What the organiser set on the settings page; `None` keeps what the kiosk was started with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The language each visit starts in: `fr` or `en`.
    pub default_lang: Option<String>,
    /// Seconds of inactivity before a voter's screen clears itself.
    pub voter_timeout_secs: Option<u64>,
    /// The registry bundles are uploaded to.
    pub registry_url: Option<String>,
    /// The fingerprint of its receipt key (from its card).
    pub registry_key: Option<Fingerprint>,
    /// Seconds added to the system clock.
    pub clock_offset: i64,
    /// Whether the operating system synchronised its clock from the network (then the offset
    /// does not apply and there is nothing to adjust).
    pub clock_synced: bool,
    /// Whether the organiser confirmed the date and time since the kiosk booted.
    pub clock_confirmed: bool,
    /// The kiosk's time now (with the offset).
    pub now: Timestamp,
    /// Every export with its upload state (`pending`, `synced`, `refused`), newest first.
    pub exports: Vec<crate::store::ExportRow>,
}

/// The first-boot setup, as the organiser entered it.
#[derive(Clone, PartialEq, Eq)]
pub struct Provisioning {
    /// The organiser PIN: six digits.
    pub pin: String,
    /// The registry's address, or empty for none.
    pub registry_url: String,
    /// The fingerprint of the registry's receipt key, from its card; required with an
    /// address.
    pub registry_key: Option<Fingerprint>,
    /// Seconds the organiser added to the system clock, or `None` when the clock is
    /// synchronised from the network.
    pub clock_offset: Option<i64>,
}

impl std::fmt::Debug for Provisioning {
    // The PIN stays out of logs and panics.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provisioning")
            .field("registry_url", &self.registry_url)
            .field("registry_key", &self.registry_key)
            .field("clock_offset", &self.clock_offset)
            .finish_non_exhaustive()
    }
}

/// The key's setting: kept with an address, cleared with none.
fn registry_key_setting(url: &str, key: Option<&Fingerprint>) -> Option<String> {
    key.filter(|_| !url.trim().is_empty())
        .map(Fingerprint::to_hex)
}

/// An offset of the clock the organiser confirmed, unless it is implausible: ten years either
/// way is a typo, not a clock that drifted.
fn check_clock_offset(offset: i64) -> Result<i64, KioskError> {
    if offset.unsigned_abs() > 10 * 366 * 86_400 {
        return Err(KioskError::Setting(SettingProblem::Clock));
    }
    Ok(offset)
}

/// Whether a registry address is one the kiosk may use: `https://`, or `http://` to this
/// machine only (the client refuses the rest too, see `urne_sync::address`).
pub fn check_registry_url(url: &str) -> Result<(), SettingProblem> {
    use urne_sync::address::AddressError;
    urne_sync::address::check(url)
        .map(|_| ())
        .map_err(|e| match e {
            AddressError::NotAnAddress | AddressError::Scheme | AddressError::PlainHttpRemote => {
                SettingProblem::RegistryScheme
            }
            AddressError::NoHost => SettingProblem::RegistryHost,
        })
}

/// Whether a registry may be set: none at all (an empty address), or a usable address with
/// the key from its card. Without the key the kiosk could not tell the registry's receipts
/// from anyone else's, and it never takes the key from whoever answers first.
pub fn check_registry(url: &str, key: Option<&Fingerprint>) -> Result<(), SettingProblem> {
    let url = url.trim();
    if url.is_empty() {
        return Ok(());
    }
    check_registry_url(url)?;
    match key {
        Some(_) => Ok(()),
        None => Err(SettingProblem::RegistryKey),
    }
}

impl Kiosk {
    /// Whether the date and time can be trusted: synchronised from the network, or confirmed
    /// by an organiser since the kiosk booted.
    pub fn clock_trusted(&self) -> bool {
        self.clock_confirmed || self.clock.synced()
    }

    /// Lets polls open without a confirmed date and time. For the demo assembly and test decks
    /// (essais à blanc) only: nothing is voted for real there, and their bundles say so.
    pub fn accept_unconfirmed_clock(&mut self) {
        self.clock_confirmed = true;
    }

    /// Whether the first-boot setup (mise en service) is still to be done: the setup was never
    /// completed for the current device key, which was just created or replaced. A replaced key
    /// (someone with the SD card in hand) brings the setup back, PIN included, on purpose: the
    /// new key must be enrolled again anyway.
    pub fn needs_provisioning(&self) -> Result<bool, KioskError> {
        let done = self.store.setting(SETTING_PROVISIONED)?;
        Ok(done.as_deref() != Some(self.device_fingerprint().to_hex().as_str()))
    }

    /// Completes the first-boot setup in one transaction: the organiser PIN, the registry's
    /// address if given, and the date and time — `clock_offset` is the organiser's correction
    /// of the system clock, or `None` when the clock is synchronised from the network. Checked
    /// first: a bad value changes nothing.
    pub fn provision(&mut self, setup: &Provisioning) -> Result<(), KioskError> {
        if !self.needs_provisioning()? {
            return Err(KioskError::AlreadyProvisioned);
        }
        if !auth::well_formed(&setup.pin) {
            return Err(KioskError::Setting(SettingProblem::Pin));
        }
        let registry_url = setup.registry_url.trim();
        check_registry(registry_url, setup.registry_key.as_ref()).map_err(KioskError::Setting)?;
        let registry_key = registry_key_setting(registry_url, setup.registry_key.as_ref());
        let offset = match setup.clock_offset {
            Some(offset) => Some(check_clock_offset(offset)?),
            None if self.clock.synced() => None,
            // Not synchronised and not confirmed: the setup is not finished.
            None => return Err(KioskError::ClockUnconfirmed),
        };
        let pin = OrganiserAuth::new_pin_settings(&setup.pin);
        let device = self.device_fingerprint();
        let device_hex = device.to_hex();
        let offset_text = offset.map(|o| o.to_string());
        let boot = self.clock.boot_id();
        let mut values: Vec<(&str, Option<&str>)> =
            pin.iter().map(|(k, v)| (*k, v.as_deref())).collect();
        values.extend([
            (
                SETTING_REGISTRY_URL,
                (!registry_url.is_empty()).then_some(registry_url),
            ),
            (SETTING_REGISTRY_KEY, registry_key.as_deref()),
            (SETTING_PROVISIONED, Some(device_hex.as_str())),
        ]);
        let mut events = Vec::new();
        if let Some(offset_text) = &offset_text {
            values.push((SETTING_CLOCK_OFFSET, Some(offset_text)));
            values.push((SETTING_CLOCK_BOOT, Some(boot.as_str())));
        }
        // The entries carry the corrected time: the organiser has just said what it is.
        let at = Timestamp(self.clock.base().0.saturating_add(offset.unwrap_or(0)));
        if let Some(offset) = offset {
            events.push(AuditEvent::ClockConfirmed { offset });
        }
        events.push(AuditEvent::Provisioned {
            device,
            registry: !registry_url.is_empty(),
        });
        self.store.set_settings_audited(&values, events, at)?;
        if let Some(offset) = offset {
            self.clock.set_offset(offset);
            self.clock_confirmed = true;
        }
        self.load_held_package();
        Ok(())
    }

    /// The device key's fingerprint (shown for enrolment at the registry).
    pub fn device_fingerprint(&self) -> Fingerprint {
        self.device.public().fingerprint()
    }

    /// The device's public key.
    pub fn device_public_key(&self) -> urne_core::crypto::PublicKey {
        self.device.public()
    }

    /// The device key, for the thread that proves to the registry that this kiosk is enrolled
    /// (it signs the registry's challenge and nothing else).
    pub(crate) fn device_key(&self) -> Arc<SecretKey> {
        Arc::clone(&self.device)
    }

    /// Writes the device's public key to the stick (`urne-kiosk-<fingerprint>.pem`), for the
    /// registry's operator to enrol this kiosk before it has exported anything. Returns the file
    /// name. The key is public: no organiser is needed.
    pub fn write_device_key(&mut self) -> Result<String, KioskError> {
        let hex = self.device_fingerprint().to_hex();
        let name = format!("urne-kiosk-{}.pem", &hex[..16]);
        self.usb
            .write_file(&name, self.device.public().to_pem().as_bytes())?;
        Ok(name)
    }

    /// Sets the registry the kiosk was started with (`--registry`, `--registry-key`).
    pub fn set_default_registry(&mut self, url: Option<String>, key: Option<Fingerprint>) {
        self.default_registry = url.filter(|u| !u.trim().is_empty()).map(|url| (url, key));
    }

    /// The registry's address: the one set on the settings page, else the one the kiosk was
    /// started with, else none (the upload loop chooses the same way).
    pub fn registry_url(&self) -> Result<Option<String>, KioskError> {
        Ok(self
            .store
            .setting(SETTING_REGISTRY_URL)?
            .or_else(|| self.default_registry.as_ref().map(|(url, _)| url.clone())))
    }

    /// The settings page's values (organiser).
    pub fn settings(&self) -> Result<Settings, KioskError> {
        Ok(Settings {
            default_lang: self.store.setting(SETTING_DEFAULT_LANG)?,
            voter_timeout_secs: self
                .store
                .setting(SETTING_VOTER_TIMEOUT)?
                .and_then(|v| v.parse().ok()),
            registry_url: self.store.setting(SETTING_REGISTRY_URL)?,
            registry_key: self
                .store
                .setting(SETTING_REGISTRY_KEY)?
                .and_then(|hex| Fingerprint::parse(&hex)),
            clock_offset: self.clock.offset(),
            clock_synced: self.clock.synced(),
            clock_confirmed: self.clock_confirmed,
            now: self.clock.now(),
            exports: self.store.exports()?,
        })
    }

    /// Saves the language, the timeout and the registry: its address with the key from its
    /// card, or none (organiser). Checked first: a bad value changes nothing.
    pub fn save_settings(
        &mut self,
        default_lang: &str,
        voter_timeout_secs: u64,
        registry_url: &str,
        registry_key: Option<&Fingerprint>,
    ) -> Result<Settings, KioskError> {
        self.require_organiser()?;
        if !matches!(default_lang, "fr" | "en") {
            return Err(KioskError::Setting(SettingProblem::Language));
        }
        let (low, high) = VOTER_TIMEOUT_RANGE;
        if !(low..=high).contains(&voter_timeout_secs) {
            return Err(KioskError::Setting(SettingProblem::Timeout));
        }
        let registry_url = registry_url.trim();
        // The registry is checked when it changes: a kiosk set up before registry cards has
        // an address without a key, and must still save its language and timeout (its settings
        // page says to scan the card).
        let stored_key = self
            .store
            .setting(SETTING_REGISTRY_KEY)?
            .and_then(|hex| Fingerprint::parse(&hex));
        let unchanged = self
            .store
            .setting(SETTING_REGISTRY_URL)?
            .as_deref()
            .unwrap_or("")
            == registry_url
            && stored_key.as_ref() == registry_key;
        if !unchanged {
            check_registry(registry_url, registry_key).map_err(KioskError::Setting)?;
        }
        let registry_key = registry_key_setting(registry_url, registry_key);
        self.store.set_settings(&[
            (SETTING_DEFAULT_LANG, Some(default_lang)),
            (SETTING_VOTER_TIMEOUT, Some(&voter_timeout_secs.to_string())),
            (
                SETTING_REGISTRY_URL,
                (!registry_url.is_empty()).then_some(registry_url),
            ),
            (SETTING_REGISTRY_KEY, registry_key.as_deref()),
        ])?;
        self.settings()
    }

    /// Records that the organiser checked the date and time, shifted by `offset` seconds from
    /// the system clock (audited; every later time follows it).
    pub fn confirm_clock(&mut self, offset: i64) -> Result<Settings, KioskError> {
        self.require_organiser()?;
        let offset = check_clock_offset(offset)?;
        let at = Timestamp(self.clock.base().0.saturating_add(offset));
        let (offset_text, boot) = (offset.to_string(), self.clock.boot_id());
        self.store.set_settings_audited(
            &[
                (SETTING_CLOCK_OFFSET, Some(&offset_text)),
                (SETTING_CLOCK_BOOT, Some(&boot)),
            ],
            vec![AuditEvent::ClockConfirmed { offset }],
            at,
        )?;
        self.clock.set_offset(offset);
        self.clock_confirmed = true;
        self.settings()
    }
}
