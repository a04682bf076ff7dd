// crix::fix internals: the one place that includes QuickFIX, and ApplicationBase, our FIX::Application.
// Only gateway/fix/*.cpp include this file; they compile as C++14 (QuickFIX 1.15.1's headers use dynamic
// exception specifications, which C++17 removed). The headers come in as SYSTEM includes, so their own
// warnings are silenced.
//
// An override must repeat the base's exception specification, and C++14 deprecates those (-Wdeprecated,
// an error under our -Werror): ApplicationBase repeats them once, with that one warning switched off
// around the declarations, and forwards to plain virtual functions. Whatever those throw must be one of
// the listed QuickFIX exceptions: anything else would reach std::unexpected and end the process, so the
// implementations catch everything else themselves.
#pragma once

#include <quickfix/Application.h>
#include <quickfix/DataDictionary.h>
#include <quickfix/Exceptions.h>
#include <quickfix/FileLog.h>
#include <quickfix/FileStore.h>
#include <quickfix/Log.h>
#include <quickfix/Message.h>
#include <quickfix/MessageStore.h>
#include <quickfix/Session.h>
#include <quickfix/SessionID.h>
#include <quickfix/SessionSettings.h>
#include <quickfix/ThreadedSocketAcceptor.h>
#include <quickfix/ThreadedSSLSocketInitiator.h>
#include <quickfix/ThreadedSocketInitiator.h>

namespace crix {
namespace fix {
namespace detail {

class ApplicationBase : public FIX::Application {
 public:
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated"
  void toApp(FIX::Message&, const FIX::SessionID&) throw(FIX::DoNotSend) override {}
  void fromAdmin(const FIX::Message& message, const FIX::SessionID& id) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue, FIX::RejectLogon) override {
    from_admin(message, id);
  }
  void fromApp(const FIX::Message& message, const FIX::SessionID& id) throw(
      FIX::FieldNotFound, FIX::IncorrectDataFormat, FIX::IncorrectTagValue,
      FIX::UnsupportedMessageType) override {
    from_app(message, id);
  }
#pragma GCC diagnostic pop
  void onCreate(const FIX::SessionID&) override {}

 protected:
  // May throw FIX::RejectLogon, FIX::IncorrectDataFormat; nothing else.
  virtual void from_admin(const FIX::Message& message, const FIX::SessionID& id) = 0;
  // May throw FIX::IncorrectDataFormat, FIX::UnsupportedMessageType; nothing else.
  virtual void from_app(const FIX::Message& message, const FIX::SessionID& id) = 0;
};

}  // namespace detail
}  // namespace fix
}  // namespace crix
