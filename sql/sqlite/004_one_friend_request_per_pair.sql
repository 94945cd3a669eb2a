-- Repairs what friend_add left when it decided outside its transaction: two users adding each
-- other at the same moment could both store a request (A->B and B->A), and relation() then read
-- 'out' for both, so `add` answered REQUEST_PENDING and `accept` NO_REQUEST to both of them.
-- friend_add now decides in one transaction (Store.addFriend). Each crossed pair keeps its
-- earlier request (equal times: the one from the lower id), which the other user can accept, or
-- turn into the friendship by adding back. A request between two users who are friends already
-- (left by the same race) goes too. Afterwards a pair has at most one request, and friends none.
DELETE FROM friend_requests
WHERE EXISTS (
    SELECT 1 FROM friend_requests o
    WHERE o.from_id = friend_requests.to_id AND o.to_id = friend_requests.from_id
      AND (o.created_at < friend_requests.created_at
        OR (o.created_at = friend_requests.created_at AND o.from_id < friend_requests.from_id)))
  OR EXISTS (
    SELECT 1 FROM friendships f
    WHERE f.user_id = friend_requests.from_id AND f.friend_id = friend_requests.to_id);
