"""The constant JavaScript of :mod:`pc_snippets.core.consent_gate`, one part per consent source.

Nothing here turns data into JS text: a gated snippet is one of these runtimes
called with ``(window, CONFIG, function(){CODE})``, where ``CONFIG`` is written by
:func:`~pc_snippets.core.serialize.dumps_js` and ``CODE`` is a snippet's code.

State shared by every gated snippet on a page lives in ``window.__pcConsent``
(``off``: consent was withdrawn, nothing more is sent on this page; ``k``: one
watcher per consent source). It is recognised by ``v===1``, not by being truthy:
an element with ``id="__pcConsent"`` is a global too (DOM clobbering).

>>> sorted(WATCHERS)
['cookiebot', 'cookieconsent', 'google', 'klaro', 'onetrust', 'tcf']
>>> all(code.startswith("function watch(") for code in WATCHERS.values())
True
"""

from __future__ import annotations

from .render import _LOADER, _STUB
from .serialize import dumps_js

__all__ = ["ACTIVATED_RUNTIME", "GATED_LOADER", "LOADER", "SIGNAL_RUNTIME", "WATCHERS"]

#: The renderers' loader, as :func:`~pc_snippets.core.render.render_init` writes it.
LOADER = _LOADER
_ME = "me=d.currentScript,"
# A gated init may run from a consent callback, where document.currentScript is
# null: the loader then takes the nonce the signal gate read from its own element
# while it was parsed (window.__pcConsent.n). Only a real state object (v===1) and a
# string count: an element with id="__pcConsent" is a global too (DOM clobbering).
#: The loader of a gated ``init``.
GATED_LOADER = _LOADER.replace(_ME, (
    "me=(function(m,g){return m&&m.nonce?m:g&&g.v===1&&typeof g.n===\"string\"&&g.n?"
    "{nonce:g.n}:m})(d.currentScript,w.__pcConsent),"), 1)
if _ME not in _LOADER:  # the loader changed shape: the gated one would lose its nonce
    raise ImportError("pc_snippets.core.render._LOADER no longer reads me=d.currentScript")

# reset_session is sent at most once per page: `off` is set before the call.
_STATE = (
    "var g=w.__pcConsent;if(!g||g.v!==1){g=w.__pcConsent={v:1,off:false,k:{}}}"
    # The SDK's queue stub before every call, so code without one works too.
    "function stub(){" + _STUB + "}"
    # An error in one snippet must not stop the others; it still reaches the console.
    "function run(f){stub();try{f()}catch(e){setTimeout(function(){throw e},0)}}"
    "function withdraw(){if(!g.off){g.off=true;stub();"
    "personaclick(" + dumps_js("reset_session") + ")}}"
)

# Sources that only signal (TCF, Consent Mode): the first snippet of a source starts
# its watcher; every snippet queues its function, which runs once when the watcher
# reports agreement (at once if it already has). The watcher calls decide(bool) on
# every signal; decide returns true once consent is withdrawn, so it can stop.
SIGNAL_RUNTIME = (
    "(function(w,c,f){" + _STATE +
    # The nonce of this script, read while it is parsed: a function released later
    # (a consent callback) has no currentScript, and a gated init's loader needs it
    # (GATED_LOADER). Chromium hides the attribute; the property keeps the value.
    "var me=document.currentScript;if(me&&me.nonce){g.n=me.nonce}"
    "if(g.off){return}"
    "var s=g.k[c.key];"
    "if(!s){s=g.k[c.key]={on:false,q:[]};watch(function(ok){"
    "if(g.off){return true}"
    "if(ok){s.on=true;while(s.q.length){run(s.q.shift())}return false}"
    "if(s.on){s.on=false;s.q.length=0;withdraw();return true}return false})}"
    "if(s.on){run(f)}else{s.q.push(f)}"
)

# Sources that activate blocked scripts (Cookiebot, OneTrust, Klaro, cookieconsent):
# the CMP runs this code once the visitor agreed. The running element is marked, and
# the mark survives the CMP copying its attributes when it re-creates the element
# again (Klaro does on every change), so the code runs once. The withdrawal watcher
# starts with the first activated snippet: it can only see consent withdrawn after
# consent was given.
ACTIVATED_RUNTIME = (
    "(function(w,c,f){" + _STATE +
    "var me=document.currentScript;"
    "if(g.off||(me&&me.hasAttribute(\"data-pc-consent-ran\"))){return}"
    "if(me){me.setAttribute(\"data-pc-consent-ran\",\"\")}"
    "if(!g.k[c.key]){g.k[c.key]=true;watch()}"
    "run(f);"
)

_TCF = (
    # The TCF API may arrive after this snippet (its stub belongs first in <head>, but
    # not every page does that): look for it for 30 s, then give up (nothing is sent).
    "function watch(decide){var n=0;(function find(){"
    "if(typeof w.__tcfapi!==\"function\"){if(n++<600){setTimeout(find,50)}return}"
    "w.__tcfapi(\"addEventListener\",2,function(d,ok){"
    # cmpuishown and a failed call carry no decision.
    "if(!ok||!d||(d.eventStatus!==\"tcloaded\"&&d.eventStatus!==\"useractioncomplete\")){return}"
    "if(decide(d.gdprApplies===false||agreed(d))){"
    "w.__tcfapi(\"removeEventListener\",2,function(){},d.listenerId)}})})()}"
    "function yes(o,i){return!!(o&&o.consents&&o.consents[i]===true)}"
    "function agreed(d){for(var i=0;i<c.purposes.length;i++){"
    "if(!yes(d.purpose,c.purposes[i])){return false}}"
    "return c.vendor===null||yes(d.vendor,c.vendor)}"
)

_GOOGLE = (
    # Consent Mode keeps its state in the dataLayer: gtag() pushes its `arguments`
    # object, and only such objects are gtag commands (an array push is not). Our
    # push wrapper calls the push it found, and gtag.js chains the push it finds,
    # so the two coexist in either order.
    "function watch(decide){var dl=w.dataLayer,at=0,d={},u={},no={},done=false,"
    "own=Object.prototype.hasOwnProperty;"
    "if(!Array.isArray(dl)){dl=w.dataLayer=[]}"
    "var push=dl.push;dl.push=function(){var r=push.apply(dl,arguments);check();return r};"
    "check();"
    "function check(){var e,o,k,i,v,ok=true;if(done){return}"
    "for(;at<dl.length;at++){e=dl[at];"
    "if(Object.prototype.toString.call(e)!==\"[object Arguments]\"||e[0]!==\"consent\"||"
    "!e[2]||typeof e[2]!==\"object\"){continue}o=e[2];"
    "for(k in o){if(!own.call(o,k)){continue}"
    "if(e[1]===\"update\"){u[k]=o[k]}"
    # A default for some regions: this page cannot tell the visitor's region, so
    # only its denials count (fail closed).
    "else if(e[1]===\"default\"){if(o.region===undefined){d[k]=o[k]}"
    "else if(o[k]!==\"granted\"){no[k]=true}}}}"
    "for(i=0;i<c.purposes.length;i++){k=c.purposes[i];"
    "v=own.call(u,k)?u[k]:no[k]?\"denied\":d[k];if(v!==\"granted\"){ok=false}}"
    "done=decide(ok)}}"
)

_COOKIEBOT = (
    # Cookiebot raises OnAccept (also for a partial choice without marketing),
    # OnDecline and OnConsentReady; its state is Cookiebot.consent.<category>.
    "function watch(){function check(){var b=w.Cookiebot;"
    "if(b&&b.consent&&b.consent[c.name]!==true){withdraw()}}"
    "w.addEventListener(\"CookiebotOnAccept\",check);"
    "w.addEventListener(\"CookiebotOnDecline\",check);"
    "w.addEventListener(\"CookiebotOnConsentReady\",check)}"
)

_ONETRUST = (
    # OneTrustGroupsUpdated's detail is the list of active groups; OnetrustActiveGroups
    # (",C0001,C0004,") says the same for pages that raise it without one.
    "function watch(){w.addEventListener(\"OneTrustGroupsUpdated\",function(e){"
    "var a=e&&e.detail,s=Array.isArray(a)?\",\"+a.join(\",\")+\",\":"
    "\",\"+String(w.OnetrustActiveGroups||\"\")+\",\";"
    "if(s.indexOf(\",\"+c.name+\",\")<0){withdraw()}})}"
)

_KLARO = (
    # Later: Klaro activates scripts from inside its manager's constructor, before
    # klaro.getManager() has stored the manager, so calling it now would build a
    # second manager. A page that set Klaro up without a default config has none.
    "function watch(){setTimeout(function(){var k=w.klaro,m;"
    "try{m=k&&k.getManager&&k.getManager()}catch(e){return}"
    "if(m&&m.watch){m.watch({update:function(m2,name){"
    "if(name===\"saveConsents\"&&!m2.getConsent(c.name)){withdraw()}}})}},0)}"
)

_COOKIECONSENT = (
    # vanilla-cookieconsent raises cc:onChange on window after a changed choice,
    # with the accepted categories in detail.cookie.categories.
    "function watch(){w.addEventListener(\"cc:onChange\",function(e){"
    "var k=e&&e.detail&&e.detail.cookie&&e.detail.cookie.categories;"
    "if(Array.isArray(k)&&k.indexOf(c.name)<0){withdraw()}})}"
)

#: The watcher of each kind: a ``function watch`` the runtime calls.
WATCHERS = {
    "tcf": _TCF,
    "google": _GOOGLE,
    "cookiebot": _COOKIEBOT,
    "onetrust": _ONETRUST,
    "klaro": _KLARO,
    "cookieconsent": _COOKIECONSENT,
}
