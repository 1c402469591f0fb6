// SPDX-License-Identifier: GPL-2.0-or-later
// The reason texts the server sends (PROTOCOL.md §5.1), and short forms for
// an unproved endpoint whose byte budget (§14) the long form would exceed.
#pragma once

namespace imup::engine::reasons {

struct ReasonText {
  const char* full;
  const char* brief;
};
inline constexpr ReasonText kNameTaken{"nom de client deja utilise", "nom pris"};
// A look-alike of a connected name (§4.2): the full form names that one.
inline constexpr ReasonText kNameTooClose{"nom trop proche d'un nom connecte: ", "nom trop proche"};
inline constexpr ReasonText kServerFull{"serveur plein", "plein"};
inline constexpr ReasonText kTooManyFromIp{"trop de connexions depuis cette adresse", "trop"};
inline constexpr const char* kModeOffer = "centralise ou decentralise";
inline constexpr const char* kGroupClosedAlone = "fermer cette messagerie car il reste seule personne";
inline constexpr const char* kGroupGone = "cette messagerie n'existe plus";
inline constexpr const char* kUnknownRecipient = "nom de recepteur n'existe pas";
inline constexpr const char* kCrossesRooms = "Client privee recoit un message public";
inline constexpr const char* kNoGroup = "Messagerie se termine losqu'il y a plus de clients";
inline constexpr const char* kLimit = "Nombre de client est superieur au limitation de nombre de groupe";

}  // namespace imup::engine::reasons
