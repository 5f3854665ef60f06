//! `elbow certificate …`: certificates for users without openssl.
//!
//! - `self-signed` writes a key and a self-signed certificate (rcgen), ready for
//!   `aws iam upload-server-certificate` or `aws acm import-certificate`;
//! - `export-ca` prints the root certificate of the node's local certificate authority (the
//!   issuer of ACM `RequestCertificate`), for clients to trust.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};

/// `elbow certificate`.
#[derive(Subcommand)]
pub enum CertificateCommand {
    /// Write a private key and a self-signed certificate for the given names.
    SelfSigned(SelfSignedArgs),
    /// Print the local certificate authority's root certificate (PEM), creating the authority
    /// in the data directory if it does not exist yet.
    ExportCa(ExportCaArgs),
}

/// `elbow certificate self-signed`.
#[derive(Args)]
pub struct SelfSignedArgs {
    /// DNS names (or IP addresses) the certificate covers; the first is its common name.
    #[arg(long = "name", required = true)]
    names: Vec<String>,
    /// Key type, in ACM's names: RSA_2048, RSA_3072, RSA_4096, EC_prime256v1, EC_secp384r1.
    #[arg(long, default_value = "RSA_2048")]
    key_algorithm: String,
    /// Validity in days.
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// Where to write the certificate (PEM).
    #[arg(long, default_value = "certificate.pem")]
    cert_out: PathBuf,
    /// Where to write the private key (PEM, file mode 0600).
    #[arg(long, default_value = "private-key.pem")]
    key_out: PathBuf,
}

/// `elbow certificate export-ca`.
#[derive(Args)]
pub struct ExportCaArgs {
    /// The node's data directory (default as `elbow serve`; also ELBOW_DATA_DIR).
    #[arg(long, env = "ELBOW_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

/// Runs a `certificate` subcommand.
///
/// Errors: a bad key algorithm or name, files that cannot be written, a data directory that
/// cannot be read.
pub fn run(cmd: CertificateCommand) -> anyhow::Result<()> {
    match cmd {
        CertificateCommand::SelfSigned(a) => {
            let (cert, key) = tls::self_signed::self_signed(&a.names, &a.key_algorithm, a.days, std::time::SystemTime::now())?;
            std::fs::write(&a.cert_out, cert).with_context(|| format!("cannot write {}", a.cert_out.display()))?;
            let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(&a.key_out).with_context(|| format!("cannot write {}", a.key_out.display()))?;
            f.write_all(key.as_bytes())?;
            println!("wrote {} and {} (valid {} days for {})", a.cert_out.display(), a.key_out.display(), a.days, a.names.join(", "));
            println!(
                "Upload:  aws iam upload-server-certificate --server-certificate-name my-cert --certificate-body file://{} --private-key file://{} --endpoint-url http://{}",
                a.cert_out.display(),
                a.key_out.display(),
                crate::config::DEFAULT_API_ADDR
            );
            Ok(())
        }
        CertificateCommand::ExportCa(a) => {
            let dir = a.data_dir.unwrap_or_else(crate::config::default_data_dir);
            std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
            let ca = tls::local_ca::LocalCa::load_or_create(&dir).with_context(|| format!("cannot load or create the local CA in {}", dir.display()))?;
            print!("{}", ca.root_pem());
            Ok(())
        }
    }
}
