//! `ailedger content serve`: `content verify` over HTTP, in a process of its own.
//!
//! `POST /v1/content/verify` takes a PNG, JPEG or WAV file as its body (the `Content-Type`
//! names the media type; without one, or with `application/octet-stream`, the bytes' magic
//! says) and answers the report `content verify --json` prints, built by the same
//! [`build_report`]: the C2PA manifest embedded in the file, then the chain of `--node` (claims,
//! model version, receipt and anchor). A `multipart/form-data` body carries the file with what
//! `content verify` takes beside it: a part `file` (required), then either `sidecar` (its
//! `.c2pa` manifest, as `--sidecar`) or `credential` (its detached credential, as
//! `--credential`, for any bytes, plain text included), and optionally `name` (the report's
//! `file`). A file that does not verify is a `200` report with its verdict; only a request that
//! cannot be verified is an error, in the project's `{"code","message","details"}` shape with a
//! stable code. `GET /v1/health` answers when the service is up.
//!
//! At most `--max-concurrent` verifications run at once, and a request's body is read only once
//! it has its turn, so that the bodies in memory stay within `--max-bytes` times that number;
//! the others wait.
//!
//! The node never serves this: verifying C2PA means compiling `c2pa`, which only the
//! media-facing tools do.

use super::{CredentialInput, build_report};
use crate::{
    cli::ContentServeArgs,
    commands::{Context, log::terminated},
    failure::Failure,
    output::Fields,
};
use ailedger_client::{Client, dto::ErrorBody};
use ailedger_credentials::{MediaFormat, TrustAnchors};
use anyhow::Context as _;
use axum::{
    Json, Router,
    body::Bytes,
    extract::{
        DefaultBodyLimit, FromRequest, Multipart, Query, Request, State, multipart::MultipartError,
        rejection::QueryRejection,
    },
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// What every request shares.
#[derive(Debug)]
struct Verifier {
    /// The chain the claims, model versions and anchors are read from.
    client: Client,
    anchors: TrustAnchors,
    /// The inference log, for receipts' consistency proofs.
    log: Option<String>,
    max_bytes: usize,
    /// One permit per verification that may run (and hold its body in memory) at once.
    permits: Semaphore,
    max_concurrent: usize,
}

/// A failed request: status, stable code, message.
#[derive(Debug)]
struct ServiceError {
    status: StatusCode,
    // NOTE: boxed to keep `Result<_, ServiceError>` small; errors are the rare path.
    body: Box<ErrorBody>,
}

impl ServiceError {
    fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            body: Box::new(ErrorBody::new(code, message)),
        }
    }

    fn with_details(mut self, details: serde_json::Value) -> Self {
        self.body.details = Some(details);
        self
    }

    fn too_large(max_bytes: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "PAYLOAD_TOO_LARGE",
            format!("the body is larger than {max_bytes} bytes"),
        )
    }

    /// A form's part that is missing, unknown or given twice.
    fn bad_part(code: &str, message: String, part: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message).with_details(json!({ "part": part }))
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        (self.status, Json(*self.body)).into_response()
    }
}

/// What `content serve` prints when it listens.
#[derive(Debug, Serialize)]
struct Serving {
    url: String,
    node: String,
    trust_anchors: usize,
    max_bytes: usize,
    max_concurrent: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    log: Option<String>,
}

pub(super) async fn serve(context: &Context, args: &ContentServeArgs) -> anyhow::Result<()> {
    let mut pem = String::new();
    for path in &args.trust {
        let text = std::fs::read_to_string(path).map_err(|error| {
            Failure::error(
                "BAD_TRUST_ANCHORS",
                format!("reading {}: {error}", path.display()),
            )
        })?;
        pem.push_str(&text);
        pem.push('\n');
    }
    let anchors = if pem.is_empty() {
        TrustAnchors::none()
    } else {
        TrustAnchors::from_pem(&pem)
            .map_err(|error| Failure::error("BAD_TRUST_ANCHORS", error.to_string()))?
    };
    let client = context.client()?;
    let verifier = Arc::new(Verifier {
        client,
        anchors,
        log: args.log.clone(),
        max_bytes: args.max_bytes,
        permits: Semaphore::new(args.max_concurrent.get()),
        max_concurrent: args.max_concurrent.get(),
    });
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    let view = Serving {
        url: format!("http://{address}"),
        node: verifier.client.base_url().to_string(),
        trust_anchors: args.trust.len(),
        max_bytes: args.max_bytes,
        max_concurrent: verifier.max_concurrent,
        log: args.log.clone(),
    };
    context.output.emit(&view, || {
        let mut fields = Fields::new()
            .add("url", &view.url)
            .add("node", &view.node)
            .add("trust anchors", view.trust_anchors)
            .add("max bytes", view.max_bytes)
            .add("max concurrent", view.max_concurrent);
        if let Some(log) = &view.log {
            fields = fields.add("log", log);
        }
        fields.render()
    })?;
    axum::serve(listener, router(verifier))
        .with_graceful_shutdown(terminated())
        .await
        .context("serving content verification")
}

fn router(verifier: Arc<Verifier>) -> Router {
    let limit = verifier.max_bytes;
    Router::new()
        .route(
            "/v1/content/verify",
            post(verify).layer(DefaultBodyLimit::max(limit)),
        )
        .route("/v1/health", get(health))
        .fallback(|| async {
            ServiceError::new(StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND", "no such route")
        })
        .with_state(verifier)
}

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    max_bytes: usize,
    max_concurrent: usize,
}

async fn health(State(verifier): State<Arc<Verifier>>) -> Json<Health> {
    Json(Health {
        status: "ok",
        max_bytes: verifier.max_bytes,
        max_concurrent: verifier.max_concurrent,
    })
}

#[derive(Debug, Deserialize)]
struct VerifyQuery {
    /// The name the report shows as its `file`, unless a form's `name` part gives one
    /// [default: the `file` part's file name, or `-`].
    name: Option<String>,
}

/// The part names a multipart form may carry.
const PARTS: [&str; 4] = ["file", "sidecar", "credential", "name"];

/// One part of a multipart form, read whole (within the body's limit).
#[derive(Debug)]
struct Part {
    bytes: Bytes,
    file_name: Option<String>,
    content_type: Option<String>,
}

/// The parts of a multipart form, each at most once.
#[derive(Debug, Default)]
struct Form {
    file: Option<Part>,
    sidecar: Option<Part>,
    credential: Option<Part>,
    name: Option<Part>,
}

impl Form {
    fn slot(&mut self, part: &str) -> Option<&mut Option<Part>> {
        match part {
            "file" => Some(&mut self.file),
            "sidecar" => Some(&mut self.sidecar),
            "credential" => Some(&mut self.credential),
            "name" => Some(&mut self.name),
            _ => None,
        }
    }
}

/// What a request asks to verify: the file, and what `content verify` would take beside it.
#[derive(Debug)]
struct Upload {
    /// The report's `file`, when the form's `name` part gives it.
    name: Option<String>,
    file: Part,
    beside: Beside,
}

/// The credential sent beside the file.
#[derive(Debug)]
enum Beside {
    /// None: the file's manifest is embedded.
    Nothing,
    /// A C2PA sidecar manifest, as `--sidecar`.
    Sidecar(Bytes),
    /// A detached credential, as `--credential`, with the name it was sent under.
    Credential { file: String, json: Bytes },
}

async fn verify(
    State(verifier): State<Arc<Verifier>>,
    query: Result<Query<VerifyQuery>, QueryRejection>,
    request: Request,
) -> Result<Response, ServiceError> {
    let Query(query) = query.map_err(|rejection| {
        ServiceError::new(StatusCode::BAD_REQUEST, "BAD_QUERY", rejection.body_text())
    })?;
    // The turn comes before the body is read, so that a waiting request holds no body.
    let Ok(_permit) = verifier.permits.acquire().await else {
        return Err(ServiceError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SHUTTING_DOWN",
            "the service is shutting down",
        ));
    };
    let upload = if is_multipart(request.headers()) {
        read_form(request, verifier.max_bytes).await?
    } else {
        read_body(request, verifier.max_bytes).await?
    };
    let Upload { name, file, beside } = upload;
    let name = name
        .or(query.name)
        .or_else(|| file.file_name.clone())
        .unwrap_or_else(|| "-".to_owned());
    let credential = match beside {
        Beside::Credential { file, json } => CredentialInput::Detached {
            file,
            json: json.to_vec(),
        },
        Beside::Nothing => verify_c2pa(&verifier, &file, None).await?,
        Beside::Sidecar(manifest) => verify_c2pa(&verifier, &file, Some(manifest)).await?,
    };
    let report = build_report(
        name,
        &file.bytes,
        credential,
        Some(&verifier.client),
        verifier.log.as_deref(),
    )
    .await
    .map_err(|error| chain_error(&error))?;
    Ok(Json(report).into_response())
}

fn is_multipart(headers: &HeaderMap) -> bool {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    essence(declared) == "multipart/form-data"
}

/// A media type without its parameters, in lower case.
fn essence(content_type: Option<&str>) -> String {
    content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// A body that is the file itself, its media type in the request's `Content-Type`.
async fn read_body(request: Request, max_bytes: usize) -> Result<Upload, ServiceError> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let bytes = Bytes::from_request(request, &())
        .await
        .map_err(|rejection| {
            let status = rejection.status();
            if status == StatusCode::PAYLOAD_TOO_LARGE {
                ServiceError::too_large(max_bytes)
            } else {
                ServiceError::new(status, "BAD_BODY", rejection.body_text())
            }
        })?;
    Ok(Upload {
        name: None,
        file: Part {
            bytes,
            file_name: None,
            content_type,
        },
        beside: Beside::Nothing,
    })
}

/// A multipart form: the known parts at most once each, `file` required, `sidecar` and
/// `credential` not both. The body's limit bounds all parts together.
async fn read_form(request: Request, max_bytes: usize) -> Result<Upload, ServiceError> {
    let mut multipart = Multipart::from_request(request, &())
        .await
        .map_err(|rejection| {
            ServiceError::new(
                StatusCode::BAD_REQUEST,
                "MALFORMED_MULTIPART",
                rejection.body_text(),
            )
        })?;
    let mut form = Form::default();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|error| multipart_error(&error, max_bytes))?
    {
        let part = field.name().unwrap_or_default().to_owned();
        let Some(slot) = form.slot(&part) else {
            return Err(ServiceError::bad_part(
                "UNKNOWN_PART",
                format!(
                    "the form has no part {part:?}: its parts are {}",
                    PARTS.join(", ")
                ),
                &part,
            ));
        };
        if slot.is_some() {
            return Err(ServiceError::bad_part(
                "DUPLICATE_PART",
                format!("the part {part:?} is given more than once"),
                &part,
            ));
        }
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let bytes = field
            .bytes()
            .await
            .map_err(|error| multipart_error(&error, max_bytes))?;
        *slot = Some(Part {
            bytes,
            file_name,
            content_type,
        });
    }
    let Some(file) = form.file else {
        return Err(ServiceError::bad_part(
            "MISSING_PART",
            "the form has no part \"file\": the content to verify".to_owned(),
            "file",
        ));
    };
    let beside = match (form.sidecar, form.credential) {
        (Some(_), Some(_)) => {
            return Err(ServiceError::new(
                StatusCode::BAD_REQUEST,
                "CONFLICTING_PARTS",
                "a file is verified with its sidecar manifest or with its detached credential, \
                 not both",
            )
            .with_details(json!({ "parts": ["sidecar", "credential"] })));
        }
        (Some(sidecar), None) => Beside::Sidecar(sidecar.bytes),
        (None, Some(credential)) => Beside::Credential {
            file: credential.file_name.unwrap_or_else(|| "-".to_owned()),
            json: credential.bytes,
        },
        (None, None) => Beside::Nothing,
    };
    let name = form
        .name
        .map(|part| String::from_utf8_lossy(&part.bytes).into_owned());
    Ok(Upload { name, file, beside })
}

fn multipart_error(error: &MultipartError, max_bytes: usize) -> ServiceError {
    match error.status() {
        StatusCode::PAYLOAD_TOO_LARGE => ServiceError::too_large(max_bytes),
        StatusCode::BAD_REQUEST => ServiceError::new(
            StatusCode::BAD_REQUEST,
            "MALFORMED_MULTIPART",
            error.body_text(),
        ),
        status => ServiceError::new(status, "BAD_BODY", error.body_text()),
    }
}

/// The file's C2PA manifest, embedded or its sidecar, verified off the async threads: the
/// manifest parser is CPU-bound and synchronous.
async fn verify_c2pa(
    verifier: &Verifier,
    file: &Part,
    sidecar: Option<Bytes>,
) -> Result<CredentialInput, ServiceError> {
    let format = media_format(file.content_type.as_deref(), &file.bytes)?;
    let anchors = verifier.anchors.clone();
    let asset = file.bytes.clone();
    let report = tokio::task::spawn_blocking(move || {
        ailedger_credentials::verify_bytes(format, &asset, sidecar.as_deref(), &anchors)
    })
    .await
    .map_err(|error| {
        tracing::error!(target: "ailedger::cli", %error, "content verification failed");
        ServiceError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "VERIFY_FAILED",
            "verifying the file failed; see the service's log",
        )
    })?;
    Ok(CredentialInput::C2pa(Box::new(report)))
}

/// The media format of a file: the one its `Content-Type` names, which its magic bytes must
/// agree with, or (with no type, or `application/octet-stream`) the one its magic bytes show.
/// Any other bytes are verified only with their detached credential.
fn media_format(declared: Option<&str>, body: &[u8]) -> Result<MediaFormat, ServiceError> {
    let named = match essence(declared).as_str() {
        "" | "application/octet-stream" => None,
        "image/png" => Some(MediaFormat::Png),
        "image/jpeg" | "image/jpg" | "image/pjpeg" => Some(MediaFormat::Jpeg),
        "audio/wav" | "audio/wave" | "audio/x-wav" | "audio/vnd.wave" => Some(MediaFormat::Wav),
        other => {
            return Err(ServiceError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "UNSUPPORTED_FORMAT",
                format!(
                    "{other:?} is not verified here: C2PA manifests are verified in PNG, JPEG and \
                     WAV files (image/png, image/jpeg, audio/wav); other bytes with their \
                     detached credential, in a multipart form's \"credential\" part"
                ),
            ));
        }
    };
    let sniffed = MediaFormat::sniff(body);
    match (named, sniffed) {
        (Some(named), Some(sniffed)) if named == sniffed => Ok(named),
        (Some(named), _) => Err(ServiceError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "FORMAT_MISMATCH",
            format!("the file is declared {named} but is not a {named} file"),
        )),
        (None, Some(sniffed)) => Ok(sniffed),
        (None, None) => Err(ServiceError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_FORMAT",
            "the file is not a PNG, JPEG or WAV file: C2PA manifests are verified in those \
             formats; other bytes with their detached credential, in a multipart form's \
             \"credential\" part",
        )),
    }
}

/// A chain that could not be asked is unavailable; one whose answer did not verify is a bad
/// gateway, with the check's code.
fn chain_error(error: &anyhow::Error) -> ServiceError {
    if let Some(failure) = error.downcast_ref::<Failure>() {
        return ServiceError::new(
            StatusCode::BAD_GATEWAY,
            failure.code.clone(),
            failure.message.clone(),
        );
    }
    tracing::warn!(target: "ailedger::cli", error = format!("{error:#}"), "the chain could not be asked");
    ServiceError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "CHAIN_UNAVAILABLE",
        format!("asking the chain: {error:#}"),
    )
}
