using System.Buffers.Binary;

namespace ImageBuilder.Linux.Tests.Seccomp;

/// <summary>
/// A classic-BPF interpreter for seccomp programs, as the kernel runs them: the input is
/// <c>struct seccomp_data</c> (nr, arch, instruction pointer, six 64-bit arguments) and the
/// result the SECCOMP_RET_* value. It lets the tests ask what a compiled profile answers to a
/// syscall on any architecture without loading it. Unknown instructions fail the test.
/// </summary>
internal sealed class SeccompBpfMachine(ReadOnlyMemory<byte> program)
{
    public const uint X86_64 = 0xC000003E;
    public const uint X86 = 0x40000003;
    public const uint Aarch64 = 0xC00000B7;
    public const uint X32SyscallBit = 0x40000000;

    public const uint Allow = 0x7fff0000;

    public static uint Errno(int errno) => 0x00050000 | (uint)errno;

    /// <summary>The program's answer to syscall <paramref name="nr"/> of architecture <paramref name="arch"/>.</summary>
    public uint Run(uint arch, int nr, params ulong[] args)
    {
        var data = new byte[64];
        BinaryPrimitives.WriteInt32LittleEndian(data, nr);
        BinaryPrimitives.WriteUInt32LittleEndian(data.AsSpan(4), arch);
        for (var i = 0; i < args.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(16 + (8 * i)), args[i]);
        }

        var code = program.Span;
        uint a = 0, x = 0;
        var memory = new uint[16];
        for (var pc = 0; pc * 8 < code.Length; pc++)
        {
            var op = BinaryPrimitives.ReadUInt16LittleEndian(code[(pc * 8)..]);
            var jt = code[(pc * 8) + 2];
            var jf = code[(pc * 8) + 3];
            var k = BinaryPrimitives.ReadUInt32LittleEndian(code[((pc * 8) + 4)..]);
            var operand = (op & 0x08) != 0 ? x : k;
            switch (op & 0x07)
            {
                case 0x00 when (op & 0xe0) == 0x20: a = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan((int)k)); break; // LD W ABS
                case 0x00 when (op & 0xe0) == 0x00: a = k; break;                                                             // LD IMM
                case 0x00 when (op & 0xe0) == 0x60: a = memory[k]; break;                                                     // LD MEM
                case 0x01 when (op & 0xe0) == 0x00: x = k; break;                                                             // LDX IMM
                case 0x01 when (op & 0xe0) == 0x60: x = memory[k]; break;                                                     // LDX MEM
                case 0x02: memory[k] = a; break;                                                                              // ST
                case 0x03: memory[k] = x; break;                                                                              // STX
                case 0x04:                                                                                                   // ALU
                    a = (op & 0xf0) switch
                    {
                        0x00 => a + operand,
                        0x10 => a - operand,
                        0x40 => a | operand,
                        0x50 => a & operand,
                        0x60 => a << (int)operand,
                        0x70 => a >> (int)operand,
                        _ => throw new InvalidOperationException($"BPF ALU op 0x{op:x4} at {pc}"),
                    };
                    break;
                case 0x05 when (op & 0xf0) == 0x00: pc += (int)k; break;                                                     // JA
                case 0x05:                                                                                                   // JEQ JGT JGE JSET
                    var taken = (op & 0xf0) switch
                    {
                        0x10 => a == operand,
                        0x20 => a > operand,
                        0x30 => a >= operand,
                        0x40 => (a & operand) != 0,
                        _ => throw new InvalidOperationException($"BPF jump op 0x{op:x4} at {pc}"),
                    };
                    pc += taken ? jt : jf;
                    break;
                case 0x06: return (op & 0x18) == 0x10 ? a : k;                                                                // RET A / RET K
                case 0x07: if ((op & 0xf8) == 0x00) { x = a; } else { a = x; } break;                                        // TAX / TXA
                default: throw new InvalidOperationException($"BPF op 0x{op:x4} at {pc}");
            }
        }

        throw new InvalidOperationException("the BPF program ran off its end");
    }
}
