using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Orleans.Monitor.IntegrationTests.Silo;

/// <summary>
/// A throwaway certificate authority in a temp folder: its certificate (PEM) and leaf certificates it signs, written
/// as PEM (certificate and key files) or PFX (with a password), for <c>Orleans:Tls:*</c>. Deleted on dispose.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly X509Certificate2 _ca;

    public TestCertificates(string name)
    {
        Folder = Path.Combine(Path.GetTempPath(), "omtls-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        _ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        CaPath = Path.Combine(Folder, "ca.crt");
        File.WriteAllText(CaPath, _ca.ExportCertificatePem());
    }

    public string Folder { get; }

    /// <summary>The CA's certificate (PEM): <c>Orleans:Tls:CaPath</c>.</summary>
    public string CaPath { get; }

    /// <summary>A leaf for <paramref name="name"/> as <c>name.crt</c> and <c>name.key</c> (PEM); returns both paths.</summary>
    public (string Certificate, string Key) IssuePem(string name)
    {
        using var leaf = Issue(name);
        var certificate = Path.Combine(Folder, name + ".crt");
        var key = Path.Combine(Folder, name + ".key");
        File.WriteAllText(certificate, leaf.ExportCertificatePem());
        File.WriteAllText(key, leaf.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certificate, key);
    }

    /// <summary>A leaf for <paramref name="name"/> as <c>name.pfx</c> protected by <paramref name="password"/>.</summary>
    public string IssuePfx(string name, string password)
    {
        using var leaf = Issue(name);
        var path = Path.Combine(Folder, name + ".pfx");
        File.WriteAllBytes(path, leaf.Export(X509ContentType.Pkcs12, password));
        return path;
    }

    public void Dispose()
    {
        _ca.Dispose();
        Directory.Delete(Folder, recursive: true);
    }

    private X509Certificate2 Issue(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var subjectNames = new SubjectAlternativeNameBuilder();
        subjectNames.AddDnsName(name);
        request.CertificateExtensions.Add(subjectNames.Build());
        var serial = new byte[8];
        RandomNumberGenerator.Fill(serial);
        using var issued = request.Create(_ca, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        return issued.CopyWithPrivateKey(key);
    }
}
