import NIOCore
import NIOSSL

/// The name a client certificate gives its holder: the last common name (CN) of
/// its subject, read from the certificate's DER encoding. With mutual TLS, TLS
/// has already checked the certificate against the client CA; this only tells
/// whose it is, and that must be the agency or hub the bearer token belongs to.
enum ClientCertificate {
    /// The peer certificate's common name on this connection, if it sent one.
    static func commonName(on channel: any Channel) async throws -> String? {
        guard let certificate = try await channel.nioSSL_peerCertificate().get() else { return nil }
        return commonName(der: try certificate.toDERBytes())
    }

    /// The subject's last common name in a DER-encoded X.509 certificate.
    static func commonName(der: [UInt8]) -> String? {
        // Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
        //   serialNumber, signature, issuer, validity, subject, ... } ... }
        guard let certificate = DER.element(der, at: 0), certificate.tag == 0x30,
              let tbs = DER.element(der, at: certificate.contentStart), tbs.tag == 0x30
        else { return nil }
        var fields = DER.children(der, of: tbs)
        if fields.first?.tag == 0xA0 { fields.removeFirst() }  // the explicit version
        guard fields.count >= 5, fields[4].tag == 0x30 else { return nil }
        var name: String?
        // Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }
        for set in DER.children(der, of: fields[4]) where set.tag == 0x31 {
            for attribute in DER.children(der, of: set) where attribute.tag == 0x30 {
                let parts = DER.children(der, of: attribute)
                guard parts.count == 2, parts[0].tag == 0x06,
                      Array(der[parts[0].contentStart..<parts[0].end]) == [0x55, 0x04, 0x03]  // 2.5.4.3 commonName
                else { continue }
                name = String(decoding: der[parts[1].contentStart..<parts[1].end], as: UTF8.self)
            }
        }
        return name
    }

    /// Just enough DER to walk a certificate's subject: tag, length, content.
    enum DER {
        struct Element {
            let tag: UInt8
            let contentStart: Int
            let end: Int
        }

        /// The element starting at `offset`, if it is well formed and fits.
        static func element(_ bytes: [UInt8], at offset: Int) -> Element? {
            guard offset + 2 <= bytes.count else { return nil }
            let tag = bytes[offset]
            var length = Int(bytes[offset + 1])
            var start = offset + 2
            if length & 0x80 != 0 {
                let count = length & 0x7F
                guard (1...4).contains(count), start + count <= bytes.count else { return nil }
                length = bytes[start..<start + count].reduce(0) { $0 << 8 | Int($1) }
                start += count
            }
            guard length >= 0, start + length <= bytes.count else { return nil }
            return Element(tag: tag, contentStart: start, end: start + length)
        }

        /// The elements directly inside a constructed one.
        static func children(_ bytes: [UInt8], of parent: Element) -> [Element] {
            var children: [Element] = []
            var offset = parent.contentStart
            while offset < parent.end, let child = element(bytes, at: offset), child.end <= parent.end {
                children.append(child)
                offset = child.end
            }
            return children
        }
    }
}
