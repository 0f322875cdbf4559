using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace ImageBuilder.IntegrationTests.Network;

/// <summary>
/// A network namespace the test makes, joined to the host's by a veth pair with private addresses
/// (<see cref="HostAddress"/> on the host's side, <see cref="Address"/> on its own, a /30 of
/// 10.200–249.x.0): servers in it stand for "the outside world" of a build, reached through the
/// build's network stack, which connects from the host's namespace. The namespace lives as long as
/// a <c>sleep</c> the test started in it (no name under /run/netns); disposing ends that process,
/// the servers and the veth pair.
/// </summary>
internal sealed class TestNetworkNamespace : IDisposable
{
    // A DNS responder in Perl (perl-base is Essential in Debian): answers every A query with ARGV[1].
    private const string DnsResponder = """
        use IO::Socket::INET;
        $| = 1;
        my $s = IO::Socket::INET->new(LocalAddr => "$ARGV[0]:53", Proto => "udp") or die "bind: $!";
        print "ready\n";
        while ($s->recv(my $q, 512)) {
            my ($id) = unpack("n", $q);
            my $end = 12;
            $end += 1 + unpack("C", substr($q, $end, 1)) while unpack("C", substr($q, $end, 1)) != 0;
            $end += 5;
            my $qtype = unpack("n", substr($q, $end - 4, 2));
            my $answer = $qtype == 1 ? pack("n n n N n C4", 0xC00C, 1, 1, 60, 4, split(/\./, $ARGV[1])) : "";
            $s->send(pack("n6", $id, 0x8180, 1, $qtype == 1 ? 1 : 0, 0, 0) . substr($q, 12, $end - 12) . $answer);
        }
        """;

    private static int Created;
    private readonly Process holder;
    private readonly List<Process> servers = [];
    private readonly string hostVeth;

    private TestNetworkNamespace(Process holder, int number)
    {
        this.holder = holder;
        var subnet = $"10.{200 + (Environment.ProcessId % 50)}.{number % 256}";
        HostAddress = subnet + ".1";
        Address = subnet + ".2";
        hostVeth = $"ibt{Environment.ProcessId % 100000}x{number % 1000}";
    }

    /// <summary>The namespace's own address, where its servers listen.</summary>
    public string Address { get; }

    /// <summary>The host's end of the veth pair.</summary>
    public string HostAddress { get; }

    public static async Task<TestNetworkNamespace> CreateAsync()
    {
        var holder = Process.Start(new ProcessStartInfo("unshare", ["--net", "sleep", "infinity"]))!;
        var made = new TestNetworkNamespace(holder, Interlocked.Increment(ref Created));
        try
        {
            // unshare execs sleep once the namespace exists.
            await WaitForAsync(() => File.ReadAllText($"/proc/{holder.Id}/cmdline").StartsWith("sleep\0", StringComparison.Ordinal));
            var pid = holder.Id.ToString(CultureInfo.InvariantCulture);
            (await Tools.Run("ip", "link", "add", made.hostVeth, "type", "veth", "peer", "name", "ibt0", "netns", pid)).Ok();
            (await Tools.Run("ip", "addr", "add", made.HostAddress + "/30", "dev", made.hostVeth)).Ok();
            (await Tools.Run("ip", "link", "set", made.hostVeth, "up")).Ok();
            (await made.InsideAsync("ip", "addr", "add", made.Address + "/30", "dev", "ibt0")).Ok();
            (await made.InsideAsync("ip", "link", "set", "ibt0", "up")).Ok();
            (await made.InsideAsync("ip", "link", "set", "lo", "up")).Ok();
            return made;
        }
        catch
        {
            made.Dispose();
            throw;
        }
    }

    /// <summary>busybox httpd serving <paramref name="directory"/> on <see cref="Address"/>, port 80; returns once it accepts connections.</summary>
    public async Task StartHttpServerAsync(string directory)
    {
        Start(["busybox", "httpd", "-f", "-p", Address + ":80", "-h", directory]);
        await WaitForAsync(() =>
        {
            using var client = new TcpClient();
            try
            {
                client.Connect(Address, 80);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        });
    }

    /// <summary>A DNS responder on <see cref="Address"/>, UDP port 53, that answers every A query with <paramref name="answer"/>.</summary>
    public async Task StartDnsResponderAsync(string answer)
    {
        var server = Start(["perl", "-e", DnsResponder, Address, answer], redirectOutput: true);
        Assert.Equal("ready", await server.StandardOutput.ReadLineAsync());
    }

    public void Dispose()
    {
        foreach (var process in servers.Append(holder))
        {
            try
            {
                process.Kill();
                process.WaitForExit();
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }

            process.Dispose();
        }

        // Gone with the namespace anyway; deleted here so that the next test sees it gone now.
        Tools.Run("ip", "link", "del", hostVeth).GetAwaiter().GetResult();
    }

    private Task<Tools.Result> InsideAsync(string program, params string[] args) =>
        Tools.Run("nsenter", [$"--net=/proc/{holder.Id}/ns/net", "--", program, .. args], new Dictionary<string, string>());

    /// <summary>Starts <paramref name="command"/> in the namespace; disposing ends it.</summary>
    private Process Start(string[] command, bool redirectOutput = false)
    {
        var info = new ProcessStartInfo("nsenter") { RedirectStandardOutput = redirectOutput };
        foreach (var arg in new[] { $"--net=/proc/{holder.Id}/ns/net", "--" }.Concat(command))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info)!;
        servers.Add(process);
        return process;
    }

    /// <summary>Polls until the condition holds or a minute has passed (the caller's assertions say what failed).</summary>
    internal static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }
}
