// SPDX-License-Identifier: GPL-2.0-or-later
#include "codec/wire.hpp"

#include <array>

namespace imup {
namespace {

struct TypeNames {
  std::string_view french;
  std::string_view english;
};
constexpr std::array<TypeNames, kMaxType> kNames{{
    {"Connexion", "Connect"},
    {"ConnexionInvalide", "Connection refused"},
    {"Deconnexion", "Disconnect"},
    {"Demande de liste", "List request"},
    {"Accepter une invitation", "Accept invitation"},
    {"Refuser une invitation", "Refuse invitation"},
    {"Quitter une messagerie", "Leave group"},
    {"ACK", "Acknowledgement"},
    {"Serveur diffuse un message", "Relayed message"},
    {"Offrir deux modes", "Mode offer"},
    {"InvitationValide", "Group update"},
    {"Compter les clients", "Liveness probe"},
    {"Fermer une messagerie", "Group closed"},
    {"EnvoieInvalide", "Unknown recipient"},
    {"Client prive recoit un message public", "Crosses rooms"},
    {"Messagerie terminee", "Group ended"},
    {"Limite de groupe atteinte", "Limit reached"},
    {"Message", "Message"},
    {"Invitation", "Invitation"},
    {"Choisir le mode", "Choose mode"},
    {"Liste d'utilisateurs", "User list page"},
}};

}  // namespace

std::string_view french_name(MessageType t) { return kNames[std::size_t(t) - 1].french; }
std::string_view english_name(MessageType t) { return kNames[std::size_t(t) - 1].english; }

std::optional<MessageType> to_type(std::uint8_t value) {
  if (!is_known_type(value)) return std::nullopt;
  return MessageType(value);
}

}  // namespace imup
