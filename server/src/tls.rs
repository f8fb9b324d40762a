//! HTTPS on the listener (docs/design.md §9, limits): a rustls server configuration from a
//! certificate chain and a private key in PEM files, as an ACME client or a certificate
//! authority writes them. TLS 1.2 and 1.3 with rustls' safe defaults, ALPN `http/1.1` (the
//! listener speaks HTTP/1.1).

use std::path::Path;
use std::sync::Arc;

use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{crypto, ServerConfig};

/// The server configuration from `cert` (the certificate chain, leaf first) and `key` (PKCS#8,
/// PKCS#1 or SEC1). The error says which file is at fault and why.
pub fn server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Cert(format!("{}: {e}", cert.display())))?;
    if chain.is_empty() {
        return Err(TlsError::Cert(format!(
            "{}: no CERTIFICATE block",
            cert.display()
        )));
    }
    let private = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| TlsError::Key(format!("{}: {e}", key.display())))?;
    let provider = Arc::new(crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Key(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, private)
        // The key does not match the certificate, or is of a kind rustls does not sign with.
        .map_err(|e| TlsError::Key(format!("{}: {e}", key.display())))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Why the TLS files were refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsError {
    /// The certificate file: missing, unreadable, or without a certificate.
    Cert(String),
    /// The key file: missing, unreadable, or not the certificate's key.
    Key(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        std::fs::write(&cert, certified.cert.pem()).unwrap();
        std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
        (cert, key)
    }

    #[test]
    fn a_certificate_and_its_key_load() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = pair(dir.path());
        let config = server_config(&cert, &key).unwrap();
        assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
    }

    #[test]
    fn wrong_files_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let (cert, key) = pair(dir.path());
        let other = tempfile::tempdir().unwrap();
        let (_, other_key) = pair(other.path());
        // The key of another certificate.
        assert!(matches!(
            server_config(&cert, &other_key),
            Err(TlsError::Key(_))
        ));
        // The files swapped, a missing file, an empty file.
        assert!(matches!(server_config(&key, &cert), Err(TlsError::Cert(_))));
        assert!(matches!(
            server_config(&dir.path().join("none.pem"), &key),
            Err(TlsError::Cert(_))
        ));
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        assert!(matches!(
            server_config(&cert, &empty),
            Err(TlsError::Key(_))
        ));
    }
}
