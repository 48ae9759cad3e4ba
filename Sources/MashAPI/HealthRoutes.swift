import Hummingbird
import MashStore

/// `GET /healthz` (the process answers), `GET /readyz` (the database answers,
/// its schema is the version this build expects, and a threshold document is in
/// use, without which no referral can be routed) and, when the daemon keeps
/// metrics, `GET /metrics` (Prometheus text format).
struct HealthRoutes {
    let store: Store
    let migrator: Migrator
    let thresholds: ThresholdsInUse
    let metrics: (@Sendable () -> [UInt8])?

    func register(on router: Router<MashRequestContext>) {
        if let metrics {
            router.get("metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics()))
                )
            }
        }
        router.get("healthz") { _, _ in
            try JSONResponse.make(status: .ok, ["status": "ok"])
        }
        router.get("readyz") { _, _ in
            do {
                try await migrator.requireCurrent(store.pool)
                guard thresholds.current != nil else {
                    return try JSONResponse.make(status: .serviceUnavailable, ["status": "not ready", "reason": "no threshold document has been applied"])
                }
                return try JSONResponse.make(status: .ok, ["status": "ready"])
            } catch {
                return try JSONResponse.make(status: .serviceUnavailable, ["status": "not ready", "reason": "\(error)"])
            }
        }
    }
}
