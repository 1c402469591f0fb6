// SPDX-License-Identifier: GPL-2.0-or-later
#include "codec/wire.hpp"

#include <array>

namespace imup {
namespace {

struct TypeNames {
  std::string_view french;
  std::string_view english;
};
// docs/PROTOCOL.md §5, name for name (tests/codec/type_names_test.cpp).
constexpr std::array<TypeNames, kMaxType> kNames{{
    {"Connexion", "Connect"},
    {"ConnexionInvalide", "Connection refused"},
    {"Deconnexion", "Disconnect"},
    {"Demande de liste", "List request"},
    {"Accepter une invitation", "Accept invitation"},
    {"Refuser une invitation", "Refuse invitation"},
    {"Quitter une messagerie", "Leave group"},
    {"Reponse de recepteur", "ACK"},
    {"Serveur diffuse un message", "Relayed message"},
    {"offrir deux modes en privee", "Mode offer"},
    {"InvitationValide", "Group update"},
    {"compter nombre du client a cette messagerie", "Liveness probe"},
    {"fermer une messagerie", "Group closed"},
    {"EnvoieInvalide", "Unknown recipient"},
    {"Client privee recoit un message public", "Crosses rooms"},
    {"Messagerie se termine", "Group ended"},
    {"Nombre de client superieur a la limitation", "Limit reached"},
    {"Client envoie un message", "Message"},
    {"Invitation a une messagerie", "Invitation"},
    {"choisir le mode", "Choose mode"},
    {"Liste d'utilisateur", "User list page"},
}};

}  // namespace

std::string_view french_name(MessageType t) { return kNames[std::size_t(t) - 1].french; }
std::string_view english_name(MessageType t) { return kNames[std::size_t(t) - 1].english; }

std::optional<MessageType> to_type(std::uint8_t value) {
  if (!is_known_type(value)) return std::nullopt;
  return MessageType(value);
}

}  // namespace imup
