//! Connecting to the PostgreSQL journal. TLS (rustls with the bundled web roots) is offered on
//! every connection, so `sslmode=require` in the URL gets an encrypted, verified connection and
//! `sslmode=prefer` (the default) uses it when the server has it. The tables are brought up to
//! date by [`super::schema`].

use crate::journal::JournalError;
use postgres::{Client, Config};
use std::str::FromStr;
use std::sync::Arc;

/// Connects to `url`, looking for herald's tables in `schema`; `shown` is the journal as it may
/// be printed. Only a sender creates or migrates them ([`migrate`]): readers never write.
pub fn connect(url: &str, schema: &str, shown: &str) -> Result<Client, JournalError> {
    let failed = |e: postgres::Error| JournalError::Open { journal: shown.to_string(), source: e.into() };
    let mut config = Config::from_str(url).map_err(failed)?;
    config.application_name("herald");
    let mut client = config.connect(tls()?).map_err(failed)?;
    client.batch_execute(&format!("SET search_path TO {schema}"))?;
    super::schema::read_as_is(&mut client, schema)?;
    Ok(client)
}

/// What went wrong, in full: the server's own message, or the network's reason (the
/// driver's top-level text alone says only "db error" or "error connecting to server").
pub fn reason(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text = format!("{text}: {c}");
        cause = c.source();
    }
    if text.contains("invalid value for option `sslmode`") {
        text.push_str(" (herald takes sslmode=disable, prefer or require; require verifies the server's certificate against the public roots, or those in $PGSSLROOTCERT)");
    }
    text
}

/// rustls with the bundled web roots, as for the providers' APIs, or the CA certificates in
/// `$PGSSLROOTCERT` (a PEM file, as libpq reads it) for a server with a private CA.
fn tls() -> Result<postgres_rustls::MakeTlsConnector, JournalError> {
    let mut roots = rustls::RootCertStore::empty();
    match std::env::var_os("PGSSLROOTCERT").filter(|p| !p.is_empty()) {
        Some(path) => {
            use rustls::pki_types::{CertificateDer, pem::PemObject};
            let failed = |why: String| JournalError::RootCert { path: path.to_string_lossy().into_owned(), why };
            let certs = CertificateDer::pem_file_iter(&path).map_err(|e| failed(e.to_string()))?;
            for cert in certs {
                roots.add(cert.map_err(|e| failed(e.to_string()))?).map_err(|e| failed(e.to_string()))?;
            }
            if roots.is_empty() {
                return Err(failed("no certificate in the file".into()));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(postgres_rustls::MakeTlsConnector::new(tokio_rustls::TlsConnector::from(Arc::new(config))))
}
