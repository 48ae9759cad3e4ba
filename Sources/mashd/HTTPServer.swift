import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import MashAPI
import MashConfig
import MashStore
import NIOSSL

/// The HTTP(S) server's channel set-up from the configuration: HTTPS when a
/// certificate is given, client certificates required when a client CA is, the
/// request timeouts on every connection and the cap on open connections.
enum HTTPServer {
    static func builder(_ settings: DaemonConfiguration) throws -> HTTPServerBuilder {
        let limits = settings.limits
        let http = HTTPServerBuilder.http1(configuration: .init(
            additionalChannelHandlers: [RequestTimeoutHandler(headerTimeout: limits.headerTimeout, bodyTimeout: limits.bodyTimeout)]
        ))
        guard let certificatePath = settings.tls.certificate, let keyPath = settings.tls.key else { return http }
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        var tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: keyPath, format: .pem))
        )
        tls.minimumTLSVersion = .tlsv12
        if let clientCA = settings.tls.clientCA {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(clientCA))
            tls.certificateVerification = .noHostnameVerification
        }
        return try .tls(http, tlsConfiguration: tls)
    }

    static func configuration(_ settings: DaemonConfiguration) -> ApplicationConfiguration {
        ApplicationConfiguration(
            address: .hostname(settings.host, port: settings.port),
            serverName: "mashd/\(MashBroker.version)",
            availableConnectionsDelegate: MaximumAvailableConnections(settings.limits.connections)
        )
    }
}
