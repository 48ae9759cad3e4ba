import Hummingbird
import MashStore

/// `GET /healthz` (the process answers) and `GET /readyz` (the database answers
/// and its schema is the version this build expects).
struct HealthRoutes {
    let store: Store
    let migrator: Migrator

    func register(on router: Router<MashRequestContext>) {
        router.get("healthz") { _, _ in
            try JSONResponse.make(status: .ok, ["status": "ok"])
        }
        router.get("readyz") { _, _ in
            do {
                try await migrator.requireCurrent(store.pool)
                return try JSONResponse.make(status: .ok, ["status": "ready"])
            } catch {
                return try JSONResponse.make(status: .serviceUnavailable, ["status": "not ready", "reason": "\(error)"])
            }
        }
    }
}
