namespace ComfyMonitor.Hosting.Web;

/// <summary>How a client certificate is asked for and checked: the values (and meaning) of Go's tls.ClientAuthType.</summary>
public enum ClientAuthType
{
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}
