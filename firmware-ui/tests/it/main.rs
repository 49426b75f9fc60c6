//! The kiosk's integration tests, in one binary: each module is one concern (the screens
//! through accessible labels, the store on real files, the adapters against their fakes), and
//! `support` holds what several share. One binary links once where twenty-five did.

mod attendance;
mod audit_startup;
mod badge_keys;
mod ballot_kinds;
mod device_key;
mod export;
mod first_boot;
mod hall_crash;
mod hall_lead;
mod hall_link;
mod hall_member;
mod hall_remote;
mod hall_screens;
mod hall_secrecy;
mod hall_wall;
mod layouts;
mod organiser_pin;
mod organiser_screens;
mod package_loading;
mod registry_packages;
mod results_screen;
mod scanner;
mod screenshots;
mod sealed_box;
mod sealed_box_disk;
mod service;
mod stick;
mod stick_screen;
mod store_crash;
mod store_failures;
mod store_migrations;
mod store_real_faults;
mod store_secrecy;
mod support;
mod translations;
mod visits;
mod voter_confinement;
mod voter_flow;
