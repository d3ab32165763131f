using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Connections.Security;
using Orleans.Monitor.Storage;

namespace Orleans.Monitor.Silo.Hosting;

/// <summary>
/// TLS between silos and from Apis to silos (<c>Orleans:Tls:*</c>): this process's certificate and the CA every remote
/// certificate must chain to. Both sides present a certificate (mutual authentication); one from another CA, or none,
/// cannot connect. Names are not checked (silos are reached at the addresses they advertise): holding a certificate of
/// the cluster's CA is what admits a silo or an Api.
/// </summary>
public sealed class OrleansTls : IDisposable
{
    public const string CertificatePathKey = "Orleans:Tls:CertificatePath";
    public const string KeyPathKey = "Orleans:Tls:KeyPath";
    public const string PasswordKey = "Orleans:Tls:Password";
    public const string CaPathKey = "Orleans:Tls:CaPath";

    private OrleansTls(X509Certificate2 certificate, X509Certificate2Collection authority)
    {
        Certificate = certificate;
        Authority = authority;
    }

    /// <summary>This process's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The CA certificates a remote certificate must chain to.</summary>
    public X509Certificate2Collection Authority { get; }

    /// <summary>The TLS settings, or null when <c>Orleans:Tls:CertificatePath</c> is not set (plain TCP).</summary>
    /// <exception cref="InvalidSettingException">A file is missing or unreadable, a key or the CA is missing; the message names the setting.</exception>
    public static OrleansTls? Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var certificatePath = configuration[CertificatePathKey];
        var caPath = configuration[CaPathKey];
        if (string.IsNullOrWhiteSpace(certificatePath))
        {
            return string.IsNullOrWhiteSpace(caPath) && string.IsNullOrWhiteSpace(configuration[KeyPathKey])
                ? null
                : throw new InvalidSettingException($"{CertificatePathKey} is required when {CaPathKey} or {KeyPathKey} is set (TLS needs this process's certificate).");
        }

        if (string.IsNullOrWhiteSpace(caPath))
        {
            throw new InvalidSettingException($"{CaPathKey} is required when {CertificatePathKey} is set: the CA whose certificates silos and Apis accept.");
        }

        var certificate = LoadCertificate(certificatePath, configuration[KeyPathKey], configuration[PasswordKey]);
        try
        {
            return new OrleansTls(certificate, LoadAuthority(caPath));
        }
        catch
        {
            certificate.Dispose();
            throw;
        }
    }

    /// <summary>Orleans' TLS options: our certificate, a certificate required from the other side, which must chain to the CA.</summary>
    public void Configure(TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.LocalCertificate = Certificate;
        options.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
        options.CheckCertificateRevocation = false;
        options.RemoteCertificateValidation = (certificate, _, _) => ChainsToAuthority(certificate);
    }

    /// <summary>True when <paramref name="certificate"/> chains to the configured CA (and only to it), ignoring names.</summary>
    public bool ChainsToAuthority(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var authority in Authority)
        {
            authority.Dispose();
        }
    }

    private static X509Certificate2 LoadCertificate(string path, string? keyPath, string? password)
    {
        RequireFile(path, CertificatePathKey);
        if (!string.IsNullOrWhiteSpace(keyPath))
        {
            RequireFile(keyPath, KeyPathKey);
        }

        X509Certificate2 certificate;
        try
        {
            if (IsPkcs12(path))
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
            }
            else
            {
                var key = string.IsNullOrWhiteSpace(keyPath) ? path : keyPath;
                using var pem = string.IsNullOrEmpty(password)
                    ? X509Certificate2.CreateFromPemFile(path, key)
                    : X509Certificate2.CreateFromEncryptedPemFile(path, password, key);

                // A PEM key is ephemeral; a PKCS#12 round trip gives SslStream a certificate it can use on every platform.
                certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.EphemeralKeySet);
            }
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            // The message of a bad password or a malformed file never holds the password.
            throw new InvalidSettingException(
                $"{CertificatePathKey}: '{path}' is not a readable certificate with its private key (PEM with {KeyPathKey}, or PFX with {PasswordKey}): {ex.Message.TrimEnd('.')}.");
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new InvalidSettingException($"{CertificatePathKey}: '{path}' has no private key (PEM: set {KeyPathKey}; PFX: include the key).");
        }

        return certificate;
    }

    private static X509Certificate2Collection LoadAuthority(string path)
    {
        RequireFile(path, CaPathKey);
        var authority = new X509Certificate2Collection();
        try
        {
            if (File.ReadAllText(path).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                authority.ImportFromPemFile(path);
            }
            else
            {
                authority.Add(X509CertificateLoader.LoadCertificateFromFile(path));
            }
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidSettingException($"{CaPathKey}: '{path}' is not a readable CA certificate (PEM or DER): {ex.Message.TrimEnd('.')}.");
        }

        return authority.Count > 0 ? authority : throw new InvalidSettingException($"{CaPathKey}: '{path}' holds no certificate.");
    }

    private static void RequireFile(string path, string key)
    {
        if (!File.Exists(path))
        {
            throw new InvalidSettingException($"{key}: '{path}' does not exist.");
        }
    }

    private static bool IsPkcs12(string path) =>
        path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);
}
