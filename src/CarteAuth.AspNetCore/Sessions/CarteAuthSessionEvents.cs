using CarteAuth.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;

namespace CarteAuth.AspNetCore.Sessions;

/// <summary>The events of the CarteAuth session scheme. Set the delegates, or derive and override the methods.</summary>
public class CarteAuthSessionEvents
{
    /// <summary>Called when a request's session is valid, before the request is authenticated; may reject it.</summary>
    public Func<CarteAuthSessionValidatedContext, Task> OnSessionValidated { get; set; } = static _ => Task.CompletedTask;

    /// <summary>Called when a request's session cookie is refused (with the reason code); the request is then anonymous.</summary>
    public Func<CarteAuthSessionRejectedContext, Task> OnSessionRejected { get; set; } = static _ => Task.CompletedTask;

    /// <summary>Invokes <see cref="OnSessionValidated"/>.</summary>
    public virtual Task SessionValidated(CarteAuthSessionValidatedContext context) => OnSessionValidated(context);

    /// <summary>Invokes <see cref="OnSessionRejected"/>.</summary>
    public virtual Task SessionRejected(CarteAuthSessionRejectedContext context) => OnSessionRejected(context);
}

/// <summary>The context of <see cref="CarteAuthSessionEvents.OnSessionValidated"/>.</summary>
public sealed class CarteAuthSessionValidatedContext : BaseContext<CarteAuthSessionOptions>
{
    /// <summary>Creates the context.</summary>
    public CarteAuthSessionValidatedContext(HttpContext context, AuthenticationScheme scheme, CarteAuthSessionOptions options, CarteAuthSession session, AuthenticationEvidence evidence)
        : base(context, scheme, options)
    {
        Session = session;
        Evidence = evidence;
    }

    /// <summary>The session record.</summary>
    public CarteAuthSession Session { get; }

    /// <summary>The session's evidence.</summary>
    public AuthenticationEvidence Evidence { get; }

    /// <summary>The reason code given to <see cref="Reject"/>; null when accepted.</summary>
    public string? RejectionReasonCode { get; private set; }

    /// <summary>Refuses the session for this request (the request becomes anonymous; the session is not ended).</summary>
    /// <param name="reasonCode">A stable reason code for logs and the API challenge.</param>
    public void Reject(string reasonCode)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reasonCode);
        RejectionReasonCode = reasonCode;
    }
}

/// <summary>The context of <see cref="CarteAuthSessionEvents.OnSessionRejected"/>.</summary>
public sealed class CarteAuthSessionRejectedContext : BaseContext<CarteAuthSessionOptions>
{
    /// <summary>Creates the context.</summary>
    public CarteAuthSessionRejectedContext(HttpContext context, AuthenticationScheme scheme, CarteAuthSessionOptions options, string reasonCode, string message)
        : base(context, scheme, options)
    {
        ReasonCode = reasonCode;
        Message = message;
    }

    /// <summary>Why the session was refused (<c>session.*</c> or <c>token.*</c>).</summary>
    public string ReasonCode { get; }

    /// <summary>What is wrong, for logs (never echo it to the client).</summary>
    public string Message { get; }
}
