using Microsoft.Extensions.Options;

namespace CarteAuth.DependencyInjection;

/// <summary>
/// Validates an options type at start with the rules its own type defines (a <c>Validate()</c> method or the
/// component's constructor): a <see cref="CarteAuthException"/> becomes a failure naming the options type, the reason
/// code and what to change. One validator for every CarteAuth package, so options are checked by the same rules at
/// start as at use.
/// </summary>
/// <typeparam name="TOptions">The options type.</typeparam>
/// <param name="validate">Throws <see cref="CarteAuthException"/> when the options are invalid.</param>
public sealed class CarteAuthOptionsValidator<TOptions>(Action<TOptions> validate) : IValidateOptions<TOptions>
    where TOptions : class
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        try
        {
            validate(options);
            return ValidateOptionsResult.Success;
        }
        catch (CarteAuthException e)
        {
            return ValidateOptionsResult.Fail($"{typeof(TOptions).Name} is invalid [{e.ReasonCode}]: {e.Message}");
        }
    }
}
