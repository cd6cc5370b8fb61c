using System.Buffers.Binary;

namespace CarteAuth.Fuzz.Tests.Engine;

/// <summary>
/// Coverage-free byte mutations in the style of AFL's havoc stage and libFuzzer's mutators, driven by one seeded
/// <see cref="Random"/> (same seed, same corpus, same sequence): bit flips, random and "interesting" values (0, ±1,
/// powers of two, signed limits; 8/16/32-bit, both byte orders), arithmetic on bytes and 16/32-bit length fields,
/// length fields set to the number of bytes that follow, byte insertion, deletion, duplication and truncation,
/// dictionary tokens, splicing with another corpus entry, and digit-run rewrites for text formats.
/// </summary>
internal sealed class Mutator(Random random, IReadOnlyList<byte[]> dictionary, int maxLength)
{
    private static readonly long[] Interesting =
    [
        0, 1, -1, 2, 7, 8, 16, 17, 23, 24, 25, 31, 32, 63, 64, 100, 127, 128, 255, 256, 512, 1000, 1023, 1024, 4095, 4096,
        32767, 32768, 65535, 65536, 100_000, int.MaxValue, int.MinValue, uint.MaxValue, long.MaxValue, long.MinValue,
    ];

    private static readonly string[] InterestingText =
    [
        "0", "-1", "1e309", "-0", "1.5", "4294967296", "9223372036854775808", "-9223372036854775809", "1e-400", "NaN",
        "99999999999999999999999999", "253402300800", "-62135596801",
    ];

    private readonly Random _random = random;
    private readonly IReadOnlyList<byte[]> _dictionary = dictionary;
    private readonly int _maxLength = maxLength;

    /// <summary>A mutated copy of <paramref name="input"/>: 1 to 8 stacked mutations, <paramref name="other"/> for splicing.</summary>
    public byte[] Mutate(byte[] input, byte[] other)
    {
        var data = new List<byte>(input);
        var rounds = 1 << _random.Next(4);
        for (var i = 0; i < rounds; i++)
        {
            MutateOnce(data, other);
        }

        if (data.Count > _maxLength)
        {
            data.RemoveRange(_maxLength, data.Count - _maxLength);
        }

        return [.. data];
    }

    private void MutateOnce(List<byte> data, byte[] other)
    {
        if (data.Count == 0)
        {
            Insert(data, 0, RandomBytes(1 + _random.Next(8)));
            return;
        }

        var position = _random.Next(data.Count);
        switch (_random.Next(15))
        {
            case 0: // flip one bit
                data[position] ^= (byte)(1 << _random.Next(8));
                break;
            case 1: // random byte
                data[position] = (byte)_random.Next(256);
                break;
            case 2: // interesting 8-bit value
                data[position] = (byte)Pick(Interesting);
                break;
            case 3: // interesting 16/32-bit value, either byte order
                WriteInteger(data, position, Pick(Interesting), _random.Next(2) == 0 ? 2 : 4, _random.Next(2) == 0);
                break;
            case 4: // small arithmetic on a byte or a big-endian 16-bit length
                if (_random.Next(2) == 0 || position + 2 > data.Count)
                {
                    data[position] = (byte)(data[position] + _random.Next(-8, 9));
                }
                else
                {
                    var value = BinaryPrimitives.ReadUInt16BigEndian([data[position], data[position + 1]]);
                    WriteInteger(data, position, value + _random.Next(-8, 9), 2, bigEndian: true);
                }

                break;
            case 5: // length field = bytes that follow (± 1), 8 or 16 bits, as TLV and CBOR headers count them
                {
                    var width = _random.Next(2) == 0 ? 1 : 2;
                    var rest = data.Count - position - width + _random.Next(-1, 2);
                    WriteInteger(data, position, rest, width, bigEndian: true);
                    break;
                }

            case 6: // insert random bytes or a repeated byte
                Insert(data, position, _random.Next(2) == 0 ? RandomBytes(1 + _random.Next(16)) : Enumerable.Repeat((byte)_random.Next(256), 1 + _random.Next(64)).ToArray());
                break;
            case 7: // delete a range
                data.RemoveRange(position, 1 + _random.Next(Math.Min(32, data.Count - position)));
                break;
            case 8: // duplicate a range in place (nested structures, repeated attributes)
                {
                    var length = 1 + _random.Next(Math.Min(64, data.Count - position));
                    Insert(data, _random.Next(data.Count + 1), data.GetRange(position, length).ToArray());
                    break;
                }

            case 9: // truncate
                data.RemoveRange(position, data.Count - position);
                break;
            case 10: // splice: this entry's head with another entry's tail
                if (other.Length > 0)
                {
                    var from = _random.Next(other.Length);
                    data.RemoveRange(position, data.Count - position);
                    data.AddRange(other.AsSpan(from).ToArray());
                }

                break;
            case 11: // insert a dictionary token
            case 12: // overwrite with a dictionary token
                if (_dictionary.Count > 0)
                {
                    var token = _dictionary[_random.Next(_dictionary.Count)];
                    if (_random.Next(2) == 0)
                    {
                        Insert(data, position, token);
                    }
                    else
                    {
                        for (var i = 0; i < token.Length && position + i < data.Count; i++)
                        {
                            data[position + i] = token[i];
                        }
                    }
                }

                break;
            case 13: // rewrite a run of ASCII digits (JSON numbers, dates, idNat)
                ReplaceDigits(data, position);
                break;
            default: // swap two bytes
                {
                    var other2 = _random.Next(data.Count);
                    (data[position], data[other2]) = (data[other2], data[position]);
                    break;
                }
        }
    }

    private void ReplaceDigits(List<byte> data, int position)
    {
        var start = data.FindIndex(position, b => b is >= (byte)'0' and <= (byte)'9');
        if (start < 0)
        {
            start = data.FindIndex(b => b is >= (byte)'0' and <= (byte)'9');
            if (start < 0)
            {
                return;
            }
        }

        var end = start;
        while (end < data.Count && data[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }

        data.RemoveRange(start, end - start);
        Insert(data, start, System.Text.Encoding.ASCII.GetBytes(Pick(InterestingText)));
    }

    private static void WriteInteger(List<byte> data, int position, long value, int width, bool bigEndian)
    {
        for (var i = 0; i < width && position + i < data.Count; i++)
        {
            var shift = bigEndian ? 8 * (width - 1 - i) : 8 * i;
            data[position + i] = (byte)(value >> shift);
        }
    }

    private void Insert(List<byte> data, int position, byte[] bytes)
    {
        if (data.Count + bytes.Length <= _maxLength)
        {
            data.InsertRange(position, bytes);
        }
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        _random.NextBytes(bytes);
        return bytes;
    }

    private T Pick<T>(T[] values) => values[_random.Next(values.Length)];
}
