using System.Net.Security;
using System.Security.Authentication;

namespace ComfyMonitor.Hosting.Web;

/// <summary><c>tls_server_config</c> of the web configuration file; paths are absolute (resolved against the file's folder).</summary>
public sealed record TlsServerConfig(
    string CertFile,
    string KeyFile,
    ClientAuthType ClientAuth,
    string? ClientCaFile,
    SslProtocols Protocols,
    IReadOnlyList<TlsCipherSuite> CipherSuites,
    IReadOnlyList<string> ClientAllowedSans);
