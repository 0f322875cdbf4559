using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Registry.Tests.Fixtures;

/// <summary>How a test registry authenticates.</summary>
internal enum RegistryAuth
{
    None,
    HtpasswdOverTls,
    Token,
}

/// <summary>
/// A real CNCF distribution registry (<c>/usr/bin/docker-registry</c>) of the tests' own on
/// 127.0.0.1 and a free port, with a generated config and a temp storage dir; disposing kills
/// it, waits for it and removes the dir.
/// </summary>
internal sealed class RegistryServer : IDisposable
{
    public const string RegistryPath = "/usr/bin/docker-registry";
    public const string User = "alice";
    public const string Password = "wonderland-42";

    /// <summary>How many free ports a server tries before it gives up on binding one.</summary>
    public const int PortAttempts = 5;

    private readonly TempDirectory dir = new("ibuild-registry-");
    private readonly StringBuilder log = new();
    private Process? process;

    private RegistryServer()
    {
    }

    public int Port { get; private set; }

    /// <summary>host:port, as references name the registry.</summary>
    public string Host => $"127.0.0.1:{Port}";

    public string Directory => dir.Path;

    /// <summary>The PEM of the registry's self-signed certificate (TLS registries only).</summary>
    public string? CertificatePath { get; private set; }

    public string Log
    {
        get
        {
            lock (log)
            {
                return log.ToString();
            }
        }
    }

    /// <summary>The registry and htpasswd (for the Basic-auth registry's bcrypt line) are installed.</summary>
    public static bool Available => File.Exists(RegistryPath) && File.Exists("/usr/bin/htpasswd");

    /// <summary>
    /// How many requests with this method to this repository the registry has logged; the log
    /// reaches us through a pipe, so a count short of <paramref name="expected"/> is read again a few times.
    /// </summary>
    public int CountRequests(string method, string repository, int expected)
    {
        var count = 0;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            count = Log.Split('\n').Count(line => line.Contains("msg=\"response completed\"", StringComparison.Ordinal)
                && line.Contains($"http.request.method={method} ", StringComparison.Ordinal)
                && (line.Contains($"http.request.uri=\"/v2/{repository}/", StringComparison.Ordinal)
                    || line.Contains($"http.request.uri=/v2/{repository}/", StringComparison.Ordinal)));
            if (count >= expected)
            {
                break;
            }

            Thread.Sleep(20);
        }

        return count;
    }

    public static RegistryServer Start(RegistryAuth auth, TokenIssuer? issuer = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var server = new RegistryServer();
            try
            {
                server.Run(auth, issuer);
                return server;
            }
            catch
            {
                server.Dispose();

                // The port is picked before docker-registry binds it, so another socket can take
                // it in between: then another port is tried (the log is whole once Dispose has waited).
                if (attempt == PortAttempts || !server.Log.Contains("bind: address already in use", StringComparison.Ordinal))
                {
                    throw;
                }
            }
        }
    }

    private void Run(RegistryAuth auth, TokenIssuer? issuer)
    {
        Port = FreePort();
        var config = new StringBuilder($"""
            version: 0.1
            log:
              level: info
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: {dir.Combine("data")}
              delete:
                enabled: true
              maintenance:
                uploadpurging:
                  enabled: false
            http:
              addr: 127.0.0.1:{Port}
              secret: ibuild-test-secret

            """);
        if (auth == RegistryAuth.HtpasswdOverTls)
        {
            using var key = System.Security.Cryptography.RSA.Create(2048);
            using var certificate = TestCertificates.CreateServer(key);
            CertificatePath = dir.Combine("server.crt");
            TestCertificates.WritePem(certificate, key, CertificatePath, dir.Combine("server.key"));
            File.WriteAllText(dir.Combine("htpasswd"), ExternalTool.Run("htpasswd", "-nbB", User, Password).Trim() + "\n");
            config.Append($"""
                  tls:
                    certificate: {CertificatePath}
                    key: {dir.Combine("server.key")}
                auth:
                  htpasswd:
                    realm: ibuild-test
                    path: {dir.Combine("htpasswd")}

                """);
        }
        else if (auth == RegistryAuth.Token)
        {
            ArgumentNullException.ThrowIfNull(issuer);
            var bundle = dir.Combine("token-signer.crt");
            File.WriteAllText(bundle, issuer.CertificatePem);
            config.Append($"""
                auth:
                  token:
                    realm: {issuer.Realm}
                    service: {TokenIssuer.Service}
                    issuer: {TokenIssuer.Issuer}
                    rootcertbundle: {bundle}

                """);
        }

        var configPath = dir.Combine("config.yml");
        File.WriteAllText(configPath, config.ToString());
        var start = new ProcessStartInfo(RegistryPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add(configPath);
        process = Process.Start(start) ?? throw new InvalidOperationException("cannot start docker-registry");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        WaitUntilListening();
    }

    /// <summary>
    /// Waits until the registry logs that it listens on its port (a connection alone could reach
    /// another socket that took the port first), failing when it exits first.
    /// </summary>
    private void WaitUntilListening()
    {
        var listening = $"msg=\"listening on {Host}";
        for (var attempt = 0; attempt < 600; attempt++)
        {
            if (Log.Contains(listening, StringComparison.Ordinal))
            {
                return;
            }

            if (process!.HasExited)
            {
                process.WaitForExit();
                throw new InvalidOperationException($"docker-registry exited with {process.ExitCode}:\n{Log}");
            }

            Thread.Sleep(50);
        }

        throw new InvalidOperationException($"docker-registry did not listen on {Host}:\n{Log}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (log)
            {
                log.AppendLine(line);
            }
        }
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public void Dispose()
    {
        if (process is not null)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit();
            process.Dispose();
        }

        dir.Dispose();
    }
}
