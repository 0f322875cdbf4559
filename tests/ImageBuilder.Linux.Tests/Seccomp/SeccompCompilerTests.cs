using System.Runtime.InteropServices;
using ImageBuilder.Linux.Native;
using ImageBuilder.Linux.Sandbox;
using ImageBuilder.Linux.Seccomp;
using static ImageBuilder.Linux.Tests.Seccomp.SeccompBpfMachine;

namespace ImageBuilder.Linux.Tests.Seccomp;

/// <summary>
/// The profile compiled by libseccomp for this machine, and what the program answers, read
/// with a BPF interpreter: the syscalls Docker's profile blocks get EPERM (clone3 ENOSYS), on
/// x86_64 and through the x86 and x32 entry points alike; clone passes without namespace
/// flags; socket and personality are decided by their arguments.
/// </summary>
public sealed class SeccompCompilerTests
{
    // Syscalls in the profile that Debian 12's libseccomp (2.5.4) cannot name: added to Linux
    // after it (6.6–6.13: mseal, listmount/statmount, the lsm_* and *xattrat calls, uretprobe)
    // or to an architecture it does not know yet (riscv_hwprobe). runc skips them the same way.
    private static readonly HashSet<string> NewerThanLibseccomp =
    [
        "getxattrat", "listmount", "listxattrat", "lsm_get_self_attr", "lsm_list_modules", "lsm_set_self_attr",
        "mseal", "removexattrat", "riscv_hwprobe", "setxattrat", "statmount", "uretprobe",
    ];

    private const ulong CloneNewUser = 0x10000000;
    private const ulong Sigchld = 17;
    private const ulong CloneThreadFlags = 0x003d0f00; // what pthread_create passes: VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|CHILD_CLEARTID

    private static SeccompProgram DefaultSet => SeccompProfile.DockerDefault.CompileFor(SandboxInit.DefaultCapabilities);

    [Fact]
    public void Every_syscall_name_of_the_profile_resolves_or_is_newer_than_libseccomp()
    {
        using var filter = new SeccompFilterBuilder(SeccompCompiler.Action("SCMP_ACT_ERRNO", 1));
        var names = SeccompProfile.DockerDefault.Document.Syscalls.SelectMany(r => r.AllNames).Distinct().ToList();

        var unresolved = names.Where(name => filter.ResolveSyscall(name) is null).ToList();

        Assert.True(names.Count > 400, $"{names.Count} names");
        Assert.Subset(NewerThanLibseccomp, unresolved.ToHashSet());
        Assert.Subset(NewerThanLibseccomp, DefaultSet.UnknownSyscalls.ToHashSet());
    }

    [Fact]
    public void The_program_fits_the_kernel_and_is_compiled_once_per_capability_set()
    {
        var program = DefaultSet;

        Assert.Equal(0, program.Instructions.Length % SeccompProgram.InstructionSize);
        Assert.InRange(program.InstructionCount, 100, SeccompProgram.MaxInstructions);
        Assert.Same(program, DefaultSet);
        Assert.NotSame(program, SeccompProfile.DockerDefault.CompileFor(SandboxInit.DefaultCapabilities | (1UL << 21)));
    }

    [X64Fact]
    public void The_keyrings_and_new_user_namespaces_get_eperm_on_every_x86_entry_point()
    {
        var bpf = new SeccompBpfMachine(DefaultSet.Instructions);

        Assert.Equal(Errno(1), bpf.Run(X86_64, 250, 0, unchecked((ulong)-4)));           // keyctl
        Assert.Equal(Errno(1), bpf.Run(X86_64, 248));                                    // add_key
        Assert.Equal(Errno(1), bpf.Run(X86_64, 249));                                    // request_key
        Assert.Equal(Errno(1), bpf.Run(X86_64, 272, CloneNewUser));                      // unshare
        Assert.Equal(Errno(1), bpf.Run(X86_64, 56, CloneNewUser | Sigchld));             // clone
        Assert.Equal(Errno(1), bpf.Run(X86_64, 165));                                    // mount
        Assert.Equal(Errno(1), bpf.Run(X86_64, 308));                                    // setns
        Assert.Equal(Errno(38), bpf.Run(X86_64, 435));                                   // clone3: ENOSYS, libc falls back to clone
        Assert.Equal(Errno(1), bpf.Run(X86, 288));                                       // keyctl, i386 numbering
        Assert.Equal(Errno(1), bpf.Run(X86, 120, CloneNewUser | Sigchld));               // clone, i386
        Assert.Equal(Errno(1), bpf.Run(X86_64, (int)(X32SyscallBit + 250)));             // keyctl, x32
    }

    [X64Fact]
    public void Ordinary_calls_pass_and_arguments_decide_socket_clone_and_personality()
    {
        var bpf = new SeccompBpfMachine(DefaultSet.Instructions);

        Assert.Equal(Allow, bpf.Run(X86_64, 0));                                         // read
        Assert.Equal(Allow, bpf.Run(X86_64, 59));                                        // execve
        Assert.Equal(Allow, bpf.Run(X86_64, 157, 22));                                   // prctl(PR_SET_SECCOMP, …)
        Assert.Equal(Allow, bpf.Run(X86_64, 126));                                       // capset
        Assert.Equal(Allow, bpf.Run(X86_64, 117));                                       // setresuid
        Assert.Equal(Allow, bpf.Run(X86_64, 436));                                       // close_range
        Assert.Equal(Allow, bpf.Run(X86_64, 161));                                       // chroot (CAP_SYS_CHROOT kept)
        Assert.Equal(Allow, bpf.Run(X86_64, 101));                                       // ptrace (kernel ≥ 4.8)
        Assert.Equal(Allow, bpf.Run(X86_64, 56, Sigchld));                               // fork
        Assert.Equal(Allow, bpf.Run(X86_64, 56, CloneThreadFlags));                      // pthread_create
        Assert.Equal(Allow, bpf.Run(X86_64, 41, 2));                                     // socket(AF_INET)
        Assert.Equal(Allow, bpf.Run(X86_64, 41, 39));
        Assert.Equal(Errno(1), bpf.Run(X86_64, 41, 38));                                 // socket(AF_ALG)
        Assert.Equal(Errno(1), bpf.Run(X86_64, 41, 40));                                 // socket(AF_VSOCK)
        Assert.Equal(Allow, bpf.Run(X86_64, 135, 0xffffffff));                           // personality query
        Assert.Equal(Errno(1), bpf.Run(X86_64, 135, 0x0040000));                         // personality(ADDR_NO_RANDOMIZE)
        Assert.Equal(Allow, bpf.Run(X86, 3));                                            // read, i386
        Assert.Equal(Allow, bpf.Run(X86, 102));                                          // socketcall, i386
        Assert.Equal(Allow, bpf.Run(X86_64, (int)X32SyscallBit));                        // read, x32
        Assert.NotEqual(Allow, bpf.Run(Aarch64, 63));                                    // an architecture the filter does not cover
    }

    [X64Fact]
    public void With_cap_sys_admin_the_namespace_calls_pass_but_the_keyrings_stay_closed()
    {
        var bpf = new SeccompBpfMachine(SeccompProfile.DockerDefault.CompileFor(SandboxInit.DefaultCapabilities | (1UL << 21)).Instructions);

        Assert.Equal(Allow, bpf.Run(X86_64, 272, CloneNewUser));
        Assert.Equal(Allow, bpf.Run(X86_64, 56, CloneNewUser | Sigchld));
        Assert.Equal(Allow, bpf.Run(X86_64, 435));
        Assert.Equal(Allow, bpf.Run(X86_64, 165));
        Assert.Equal(Errno(1), bpf.Run(X86_64, 250));
    }

    [Fact]
    public void Actions_and_operators_map_to_libseccomp_values()
    {
        Assert.Equal(0x7fff0000u, SeccompCompiler.Action("SCMP_ACT_ALLOW", null));
        Assert.Equal(0x00050001u, SeccompCompiler.Action("SCMP_ACT_ERRNO", null));
        Assert.Equal(0x00050026u, SeccompCompiler.Action("SCMP_ACT_ERRNO", 38));
        Assert.Equal(0x80000000u, SeccompCompiler.Action("SCMP_ACT_KILL_PROCESS", null));
        Assert.Equal(7, SeccompCompiler.Operator("SCMP_CMP_MASKED_EQ"));
        Assert.Throws<SeccompException>(() => SeccompCompiler.Action("SCMP_ACT_NOTIFY", null));
    }

    /// <summary>A fact whose syscall numbers are x86_64's.</summary>
    private sealed class X64FactAttribute : FactAttribute
    {
        public X64FactAttribute()
        {
            if (RuntimeInformation.ProcessArchitecture != Architecture.X64)
            {
                Skip = "the syscall numbers in this test are x86_64's";
            }
        }
    }
}
